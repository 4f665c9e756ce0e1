"""The one access policy of the portal.

Every outlet asks here: public pages, feeds, search, statistics, map, exports and API for what the
public may see; admin views, choosers, history, compare, bulk actions and reports for what a staff
user may see or do. Nothing else reads ``live``, ``embargo_until``, ``hide_name`` or
``hide_exact_locations`` to decide visibility.

Two sides, one module:
- the public side (anonymous visitors): ``public()``, ``is_public()``, ``may_see_field()``;
- the staff side (Partner, Editor, Reviewer, Administrator, each scoped to authorities):
  ``visible_to()``, ``may_see()``, ``may_change()``, ``may_publish()``, built on
  ``opencoop.editorial.scope`` and the groups' permissions.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def public(model_or_queryset, today: datetime.date | None = None) -> models.QuerySet:
    """Return the records of a model (or a queryset) that the public may see.

    Draft, embargo and live rules applied together: a record is public when live and, for
    activities, past any embargo date.
    """
    queryset = (
        model_or_queryset
        if isinstance(model_or_queryset, models.QuerySet)
        else model_or_queryset._default_manager.all()
    )
    model = queryset.model
    queryset = queryset.filter(live=True)
    if any(f.name == "embargo_until" for f in model._meta.get_fields()):
        queryset = queryset.filter(
            models.Q(embargo_until__isnull=True) | models.Q(embargo_until__lte=_today(today))
        )
    return queryset


def is_public(obj: models.Model, today: datetime.date | None = None) -> bool:
    """Say whether one record may be shown to the public."""
    if obj is None or not getattr(obj, "live", True):
        return False
    embargo = getattr(obj, "embargo_until", None)
    return embargo is None or embargo <= _today(today)


def visible_to(user, model_or_queryset, today: datetime.date | None = None) -> models.QuerySet:
    """Return the records ``user`` may see: the public ones for a visitor, the reachable ones
    (drafts and embargoed included) for staff in scope."""
    from opencoop.editorial import scope

    queryset = (
        model_or_queryset
        if isinstance(model_or_queryset, models.QuerySet)
        else model_or_queryset._default_manager.all()
    )
    if user is None or not user.is_authenticated or (not user.is_staff and not user.is_superuser):
        return public(queryset, today)
    if scope.is_record_model(queryset.model):
        reach = scope.reachable(queryset.model, user, "view").values("pk")
        return queryset.filter(pk__in=reach)
    return queryset


def may_see(user, obj: models.Model, today: datetime.date | None = None) -> bool:
    """Say whether ``user`` may see ``obj`` (anonymous visitors: only what is public)."""
    from opencoop.editorial import scope

    if user is None or not user.is_authenticated:
        return is_public(obj, today)
    if scope.is_record_model(type(obj)):
        return scope.can_reach(user, obj, "view") or is_public(obj, today)
    return True


def may_change(user, obj: models.Model) -> bool:
    """Say whether ``user`` may change ``obj`` (any record, organisation, document, image, page)."""
    return may(user, "change", obj)


def may_publish(user, obj: models.Model) -> bool:
    """Say whether ``user`` may publish ``obj`` (documents and images have no publishing: False)."""
    return may(user, "publish", obj)


def may_delete(user, obj: models.Model) -> bool:
    """Say whether ``user`` may delete ``obj``."""
    return may(user, "delete", obj)


# Staff side: who may change, publish or delete what -------------------------------------------
# Two questions, answered together. The group (role) says which actions a user may perform at
# all (Django and Wagtail permissions, created by the editorial migrations); the scope says on
# which objects: those of the authorities the user works for (``EditorialMembership``). Roles are
# groups shared by every authority, so the scope cannot live in the groups' permissions: Wagtail's
# permission policies (``opencoop.editorial.permissions``) combine the two by asking ``in_scope``
# below, and ``may`` asks those same policies, so the admin and this module cannot disagree.


def may(user, action: str, obj: models.Model) -> bool:
    """Say whether ``user`` may perform ``action`` (change, publish, unpublish, delete, view) on
    ``obj``, asking the Wagtail permission policy the admin itself asks."""
    from wagtail.models import Page
    from wagtail.permissions import policy_registry

    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if isinstance(obj, Page):
        tester = obj.permissions_for_user(user)
        checks = {
            "view": tester.can_edit,
            "change": tester.can_edit,
            "add": tester.can_add_subpage,
            "publish": tester.can_publish,
            "unpublish": tester.can_publish,
            "delete": tester.can_delete,
        }
        return bool(checks[action]()) if action in checks else False
    if action == "unpublish":
        action = "publish"
    return policy_registry.get(obj).user_has_permission_for_instance(user, action, obj)


def staff_authorities(user) -> frozenset[int]:
    """Return the ids of the reporting authorities ``user`` works for (as staff)."""
    from opencoop.editorial import scope
    from opencoop.editorial.models import EditorialMembership

    return scope.organisation_ids(user, EditorialMembership.STAFF)


def organisation_users(organisation) -> frozenset[int]:
    """Return the authorities whose records name ``organisation`` (as partner, participant...)."""
    from opencoop.activities.models import Activity
    from opencoop.initiatives.models import Initiative
    from opencoop.partnerships.models import Partnership

    if organisation.pk is None:
        return frozenset()
    ids: set[int] = set()
    for queryset in (
        Activity.objects.filter(participating_orgs__organisation=organisation),
        Initiative.objects.filter(partners__organisation=organisation),
        Partnership.objects.filter(partner=organisation),
    ):
        ids.update(queryset.values_list("reporting_org_id", flat=True).distinct())
    return frozenset(ids)


def is_shared(organisation) -> bool:
    """Say whether a partner organisation is named by the records of several authorities."""
    return not organisation.is_reporting and len(organisation_users(organisation)) > 1


def authorities_of(obj: models.Model) -> frozenset[int]:
    """Return the reporting authorities ``obj`` belongs to; none means portal-wide.

    A record belongs to its reporting organisation; a reporting authority to itself; a partner
    to the authorities whose records name it; a document, an image or a collection to the
    authority whose collection holds it; a page to the authority of the section it is in.
    """
    from wagtail.models import Collection, Page

    from opencoop.editorial import scope
    from opencoop.organisations.models import Organisation

    if scope.is_record_model(type(obj)):
        return frozenset({obj.reporting_org_id} if obj.reporting_org_id else ())
    if isinstance(obj, Organisation):
        return frozenset({obj.pk}) if obj.is_reporting and obj.pk else organisation_users(obj)
    if isinstance(obj, Page):
        return _section_authorities(obj)
    if isinstance(obj, Collection):
        return _collection_authorities(obj)
    if hasattr(obj, "collection_id") and hasattr(obj, "file"):  # documents and images
        return _collection_authorities(obj.collection) if obj.collection_id else frozenset()
    return frozenset()


def _ancestor_paths(node) -> list[str]:
    step = type(node).steplen
    return [node.path[:end] for end in range(step, len(node.path) + 1, step)]


def _collection_authorities(collection) -> frozenset[int]:
    from opencoop.organisations.models import Organisation

    ids = Organisation.objects.filter(collection__path__in=_ancestor_paths(collection))
    return frozenset(ids.values_list("pk", flat=True))


def _section_authorities(page) -> frozenset[int]:
    from opencoop.pages.models import SectionPage

    sections = SectionPage.objects.filter(path__in=_ancestor_paths(page)).order_by("-depth")
    nearest = sections.values_list("reporting_org_id", flat=True).first()
    return frozenset({nearest} if nearest else ())


# Publishing a partner shared by several authorities is the reviewers' (and administrators') job.
SHARED_ORGANISATION_PUBLISHERS = {"Reviewer"}


def in_scope(user, obj: models.Model, action: str) -> bool:
    """Say whether ``obj`` is within ``user``'s reach for ``action``, whatever their role allows.

    Administrators and superusers reach everything. Records follow ``opencoop.editorial.scope``
    (a partner's contact reaches the activities their organisation joins). An organisation that
    is a reporting authority is its own staff's; a partner used by one authority is that
    authority's; a partner used by several is changed by any of them but published only by their
    reviewers (an editor's change waits, as a draft, for review); a partner nobody uses yet is any
    staff's. Documents, images and pages are their authority's (collection, section); those
    outside any authority's collection or section are the administrators'.
    """
    from opencoop.editorial import scope
    from opencoop.editorial.roles import role_names, sees_everything
    from opencoop.organisations.models import Organisation

    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if sees_everything(user):
        return True
    if scope.is_record_model(type(obj)):
        return scope.can_reach(user, obj, action)
    mine = staff_authorities(user)
    if isinstance(obj, Organisation):
        if obj.pk is None:
            return bool(mine)
        if obj.is_reporting:
            return obj.pk in mine
        users = organisation_users(obj)
        if not users:
            return bool(mine)
        if len(users) > 1 and action in ("publish", "unpublish", "delete"):
            return bool(users & mine) and bool(role_names(user) & SHARED_ORGANISATION_PUBLISHERS)
        return bool(users & mine)
    return bool(authorities_of(obj) & mine)


def may_set_reporting_flag(user) -> bool:
    """Say whether ``user`` may make an organisation a reporting authority (or stop it being one)."""
    from opencoop.editorial.roles import sees_everything

    return user is not None and sees_everything(user)
