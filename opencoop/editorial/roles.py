"""The editorial roles: Wagtail groups created by migration ``0002_roles_and_review_workflow``."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

EDITOR = "Editor"
REVIEWER = "Reviewer"
ADMINISTRATOR = "Administrator"
PARTNER = "Partner"
ROLES = (EDITOR, REVIEWER, ADMINISTRATOR, PARTNER)
# The groups keep these English names (the code asks for them); screens show the translation.
ROLE_LABELS = {
    EDITOR: pgettext_lazy("editorial role", "Editor"),
    REVIEWER: pgettext_lazy("editorial role", "Reviewer"),
    ADMINISTRATOR: pgettext_lazy("editorial role", "Administrator"),
    PARTNER: pgettext_lazy("editorial role", "Partner"),
}


def role_label(name: str) -> str | Promise:
    """Return the name of a role (a group) in the active language; other groups as they are."""
    return ROLE_LABELS.get(name, name)


def role_names(user: AbstractBaseUser | AnonymousUser) -> set[str]:
    """Return the editorial roles of ``user`` (cached on the user for the request)."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_editorial_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._editorial_roles = cached
    return cached


def sees_everything(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Say whether ``user`` works on every authority's records (superusers, administrators)."""
    return user.is_authenticated and (user.is_superuser or ADMINISTRATOR in role_names(user))
