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


def _is_staff(user) -> bool:
    """Say whether ``user`` works in the back office (a role, staff status, admin access)."""
    from opencoop.editorial.roles import role_names

    if user is None or not user.is_authenticated:
        return False
    return (
        user.is_staff
        or user.is_superuser
        or bool(role_names(user))
        or user.has_perm("wagtailadmin.access_admin")
    )


def _organisations_visible_to(user, queryset: models.QuerySet) -> models.QuerySet:
    """Narrow organisations to those ``user`` may see named in the back office.

    An organisation is concealed when it is a hidden partner ("a local partner") of an activity
    whose authority the user does not work for, and the user knows it from nowhere else: it is
    not a reporting authority, not one of the user's own organisations, not a participant of the
    user's authority's activities and not named in any public activity.
    """
    from opencoop.activities.disclosure import named_participations
    from opencoop.activities.models import Activity, ParticipatingOrg
    from opencoop.editorial import scope
    from opencoop.editorial.models import EditorialMembership
    from opencoop.editorial.roles import sees_everything

    if sees_everything(user):
        return queryset
    staff = scope.organisation_ids(user, EditorialMembership.STAFF)
    partners = scope.organisation_ids(user, EditorialMembership.PARTNER)
    own_activities = Activity.objects.filter(reporting_org__in=staff).values("pk")
    hidden_elsewhere = (
        ParticipatingOrg.objects.filter(hide_name=True)
        .exclude(activity__in=own_activities)
        .values("organisation")
    )
    named_publicly = named_participations().filter(activity__in=public(Activity).values("pk"))
    own_partners = ParticipatingOrg.objects.filter(activity__in=own_activities)
    concealed = (
        models.Q(pk__in=hidden_elsewhere)
        & models.Q(is_reporting=False)
        & ~models.Q(pk__in=staff | partners)
        & ~models.Q(pk__in=own_partners.values("organisation"))
        & ~models.Q(pk__in=named_publicly.values("organisation"))
    )
    return queryset.exclude(concealed)


def _collection_members_visible_to(user, queryset: models.QuerySet) -> models.QuerySet:
    """Narrow documents or images to those the user may use: their collections' permissions."""
    from wagtail.permissions import policy_registry

    permission_policy = policy_registry.get_by_type(queryset.model)
    reach = permission_policy.instances_user_has_any_permission_for(
        user, ["change", "delete", "choose"]
    )
    return queryset.filter(pk__in=reach.values("pk"))


def _pages_visible_to(user, queryset: models.QuerySet) -> models.QuerySet:
    """Narrow pages to the live ones and those the user holds a page permission on."""
    from wagtail.models import Page
    from wagtail.permissions import policy_registry

    permission_policy = policy_registry.get_by_type(Page)
    reach = permission_policy.instances_user_has_any_permission_for(
        user, ["add", "change", "publish", "lock", "unlock", "bulk_delete"]
    )
    return queryset.filter(models.Q(live=True) | models.Q(pk__in=reach.values("pk")))


def visible_to(user, model_or_queryset, today: datetime.date | None = None) -> models.QuerySet:
    """Return the objects ``user`` may see: the public ones for a visitor; for staff, what the
    back office lists to them.

    Staff (Partner, Editor, Reviewer, each scoped to authorities): the records they reach for
    "view" (their authority's, drafts and embargoed included; a partner's contact, the activities
    their organisation joins), organisations except other authorities' hidden partners, pages,
    documents and images as their permission policies allow. Administrators and superusers: all.
    """
    from opencoop.editorial import scope
    from opencoop.organisations.models import Organisation

    queryset = (
        model_or_queryset
        if isinstance(model_or_queryset, models.QuerySet)
        else model_or_queryset._default_manager.all()
    )
    if not _is_staff(user):
        return public(queryset, today)
    model = queryset.model
    if scope.is_record_model(model):
        reach = scope.reachable(model, user, "view").values("pk")
        return queryset.filter(pk__in=reach)
    if issubclass(model, Organisation):
        return _organisations_visible_to(user, queryset)
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Page

    if issubclass(model, Page):
        return _pages_visible_to(user, queryset)
    if issubclass(model, (get_document_model(), get_image_model())):
        return _collection_members_visible_to(user, queryset)
    return queryset


def may_see(user, obj: models.Model, today: datetime.date | None = None) -> bool:
    """Say whether ``user`` may see ``obj`` (anonymous visitors: only what is public).

    Staff see what they reach and, like everybody, what is public; other objects as
    ``visible_to`` lists them.
    """
    from opencoop.editorial import scope

    if obj is None:
        return False
    if not _is_staff(user):
        return is_public(obj, today)
    if scope.is_record_model(type(obj)):
        return scope.can_reach(user, obj, "view") or is_public(obj, today)
    if obj.pk is None:
        return True
    return visible_to(user, type(obj)._default_manager.filter(pk=obj.pk), today).exists()


def may_change(user, obj: models.Model) -> bool:
    """Say whether ``user`` may change ``obj``."""
    from opencoop.editorial import scope

    if user is None or not user.is_authenticated:
        return False
    return scope.can_reach(user, obj, "change")


def may_publish(user, obj: models.Model) -> bool:
    """Say whether ``user`` may publish ``obj``."""
    from opencoop.editorial import scope

    if user is None or not user.is_authenticated:
        return False
    return scope.can_reach(user, obj, "publish")
