"""The editorial roles: Wagtail groups created by migration ``0002_roles_and_review_workflow``."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

EDITOR = "Editor"
REVIEWER = "Reviewer"
ADMINISTRATOR = "Administrator"
PARTNER = "Partner"
ROLES = (EDITOR, REVIEWER, ADMINISTRATOR, PARTNER)


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
