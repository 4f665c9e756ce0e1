"""Keep the kept figures (``opencoop.stats.kept``) in step with the admin's saves.

Publishing or unpublishing an activity or an annual plan refreshes its authority's figures at
once, in the same transaction. Any other saved or deleted row the figures are made from (a
deleted record too) marks its authority's figures dirty (read afresh until refreshed), and a job
refreshes them once the transaction commits. ``write_records`` needs none of this: it refreshes what it wrote.
"""

from __future__ import annotations

import threading

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save, pre_delete

from opencoop.activities.models import (
    Activity,
    Budget,
    Location,
    ParticipatingOrg,
    RecipientCountry,
    SdgTag,
    Sector,
    Transaction,
)
from opencoop.core.writes import records_written, replacing_parts
from opencoop.organisations.models import Organisation
from opencoop.plans.models import AnnualPlan, PlanAllocation

from . import kept

# Rows of an activity the figures read (besides the activity itself).
ACTIVITY_ROWS = (Budget, Location, ParticipatingOrg, RecipientCountry, SdgTag, Sector, Transaction)
# Saves of these fields alone (a draft, a lock) change no public figure.
BOOKKEEPING = frozenset(
    {"latest_revision", "has_unpublished_changes", "locked", "locked_at", "locked_by"}
)

_pending = threading.local()


def refresh_on_publication(sender, instance, **kwargs) -> None:
    """Refresh the figures of a published, unpublished or deleted activity or plan."""
    kept.refresh(kept.authorities_written(sender, [instance]))
    _forget_marks()


def refresh_written(sender, records, **kwargs) -> None:
    """Refresh the figures of records ``write_records`` wrote (imports, harvests, generator)."""
    kept.records_written(sender, records)
    _forget_marks()


def _authorities_of_activity(activity_id: int | None):
    return Activity.objects.filter(pk=activity_id).values("reporting_org_id")


def _marks_of_this_transaction() -> set | None:
    """Return what this transaction already marked (None outside a transaction).

    A bulk delete sends a signal per row: each activity is marked once per transaction. The
    memo is tied to an ``on_commit`` callback of the transaction; when that callback is gone
    (committed, or rolled back with the marks), the memo is too.
    """
    if not connection.in_atomic_block:
        return None
    state = getattr(_pending, "state", None)
    if state is None or not any(entry[1] is state["token"] for entry in connection.run_on_commit):

        def token() -> None:
            from .tasks import refresh_outdated_figures

            refresh_outdated_figures.enqueue()

        state = {"token": token, "seen": set()}
        _pending.state = state
        transaction.on_commit(token)
    return state["seen"]


def _forget_marks() -> None:
    """After a refresh, a row changed again must mark its authority again."""
    state = getattr(_pending, "state", None)
    if state is not None:
        state["seen"].clear()


def _mark(key: tuple, authorities) -> None:
    seen = _marks_of_this_transaction()
    if seen is not None:
        if key in seen:
            return
        seen.add(key)
    kept.mark_dirty(authorities)
    if seen is None:
        from .tasks import refresh_outdated_figures

        refresh_outdated_figures.enqueue()


def activity_saved(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    # A fixture or a backup being loaded (raw) brings its own kept figures.
    if raw or (update_fields and set(update_fields) <= BOOKKEEPING):
        return
    _mark(("authority", instance.reporting_org_id), [instance.reporting_org_id])


def record_deleted(sender, instance, **kwargs) -> None:
    _mark(("authority", instance.reporting_org_id), [instance.reporting_org_id])


def activity_row_changed(sender, instance, raw=False, **kwargs) -> None:
    if raw or replacing_parts():  # the write refreshes its authorities' figures itself
        return
    _mark(("activity", instance.activity_id), _authorities_of_activity(instance.activity_id))


def plan_saved(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    if raw or (update_fields and set(update_fields) <= BOOKKEEPING):
        return
    _mark(("authority", instance.reporting_org_id), [instance.reporting_org_id])


def allocation_changed(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    _mark(("activity", instance.activity_id), _authorities_of_activity(instance.activity_id))


def organisation_saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    """A partner's type is part of the figures of every authority it works with."""
    if created or raw:
        return
    _mark(
        ("partner", instance.pk),
        Activity.objects.filter(participating_orgs__organisation=instance).values(
            "reporting_org_id"
        ),
    )


def organisation_deleted(sender, instance, **kwargs) -> None:
    """Take a deleted authority's kept figures out of the totals before they go with it."""
    kept.forget([instance.pk])


def connect_signals() -> None:
    """Connect the handlers (once, at start-up)."""
    from wagtail.signals import published, unpublished

    for model in (Activity, AnnualPlan):
        for signal in (published, unpublished):
            signal.connect(
                refresh_on_publication, sender=model, dispatch_uid=f"kept-{model.__name__}"
            )
        # Deleting marks, not refreshes: a bulk delete (the generator's, before it writes an
        # authority again) sends one signal per record, and the write that follows refreshes.
        post_delete.connect(record_deleted, sender=model, dispatch_uid=f"kept-del-{model.__name__}")
    post_save.connect(activity_saved, sender=Activity, dispatch_uid="kept-activity-saved")
    post_save.connect(plan_saved, sender=AnnualPlan, dispatch_uid="kept-plan-saved")
    for model in (*ACTIVITY_ROWS, PlanAllocation):
        handler = allocation_changed if model is PlanAllocation else activity_row_changed
        for signal in (post_save, post_delete):
            signal.connect(handler, sender=model, dispatch_uid=f"kept-{model.__name__}")
    post_save.connect(organisation_saved, sender=Organisation, dispatch_uid="kept-organisation")
    pre_delete.connect(
        organisation_deleted, sender=Organisation, dispatch_uid="kept-organisation-deleted"
    )
    records_written.connect(refresh_written, dispatch_uid="kept-records-written")
