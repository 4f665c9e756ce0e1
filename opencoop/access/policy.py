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
