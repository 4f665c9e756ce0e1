"""Submitting records for review in bulk leaves what Wagtail's own ``Workflow.start`` leaves."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import ModelLogEntry, TaskState, WorkflowState

from opencoop.activities.models import Activity
from opencoop.editorial.services import submit_for_review, submit_records_for_review
from tests.factories import make_activity

pytestmark = pytest.mark.django_db


def drafts(authority, codes: list[str]) -> list[Activity]:
    """Create activities of ``authority`` with one saved revision each."""
    records = []
    for code in codes:
        record = make_activity(authority, code)
        record.save_revision()
        records.append(record)
    return records


def review_rows(record: Activity) -> dict:
    """Return what the review of ``record`` left in the database, keys and times left out."""
    state = WorkflowState.objects.get(object_id=str(record.pk), base_content_type__model="activity")
    task_state = state.current_task_state
    entry = ModelLogEntry.objects.get(
        object_id=str(record.pk), content_type__model="activity", action="wagtail.workflow.start"
    )
    data = entry.data["workflow"]
    return {
        "state": (state.content_type_id, state.base_content_type_id, state.workflow_id),
        "status": (state.status, state.requested_by_id),
        "task_state": (
            task_state.workflow_state_id == state.pk,
            task_state.revision_id == record.latest_revision_id,
            task_state.task_id,
            task_state.status,
            task_state.content_type_id,
            task_state.finished_at,
            task_state.comment,
        ),
        "log": (entry.label, entry.user_id, entry.revision_id == record.latest_revision_id),
        "log data": (
            data["id"],
            data["title"],
            data["status"],
            data["next"],
            data["task_state_id"] == task_state.pk,
        ),
        "in progress": Activity.objects.get(pk=record.pk).workflow_in_progress,
    }


def test_bulk_submission_leaves_the_rows_and_mails_of_wagtails_own_start(
    other_authority, editor, reviewer
):
    ours, wagtails = drafts(other_authority, ["BULK", "WAGTAIL"])
    wagtails.get_workflow().start(wagtails, editor)
    by_wagtail = [(m.subject.replace("WAGTAIL", "*"), m.to) for m in mail.outbox]
    mail.outbox.clear()

    states = submit_records_for_review(records=[ours], user=editor)

    assert states == [WorkflowState.objects.get(object_id=str(ours.pk))]
    expected = review_rows(wagtails)
    assert review_rows(ours) == {**expected, "log": (str(ours), *expected["log"][1:])}
    assert [(m.subject.replace("BULK", "*"), m.to) for m in mail.outbox] == by_wagtail
    assert ["reviewer@example.org"] in [m.to for m in mail.outbox]


def test_records_already_in_review_are_left_and_sent_back_ones_resumed(
    other_authority, editor, reviewer
):
    waiting, sent_back, new = drafts(other_authority, ["WAITING", "SENT-BACK", "NEW"])
    first = submit_for_review(record=waiting, user=editor)
    submit_for_review(record=sent_back, user=editor)
    task_state = sent_back.current_workflow_task_state
    task_state.specific.reject(user=reviewer)
    assert sent_back.current_workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES

    states = submit_records_for_review(records=[waiting, sent_back, new], user=editor)

    assert states[0].pk == first.pk
    assert [state.status for state in states] == [WorkflowState.STATUS_IN_PROGRESS] * 3
    assert WorkflowState.objects.filter(object_id=str(waiting.pk)).count() == 1
    assert TaskState.objects.filter(workflow_state=first).count() == 1
    resumed = WorkflowState.objects.get(object_id=str(sent_back.pk))
    assert resumed.status == WorkflowState.STATUS_IN_PROGRESS
    assert resumed.current_task_state.status == TaskState.STATUS_IN_PROGRESS
    assert all(
        Activity.objects.get(pk=r.pk).workflow_in_progress for r in (waiting, sent_back, new)
    )


def test_a_locked_record_is_submitted_through_wagtails_own_start(other_authority, editor):
    locked, free = drafts(other_authority, ["LOCKED", "FREE"])
    Activity.objects.filter(pk=locked.pk).update(locked=True, locked_by=editor)

    states = submit_records_for_review(records=[locked, free], user=editor)

    assert [state.object_id for state in states] == [str(locked.pk), str(free.pk)]
    assert all(state.current_task_state.status == TaskState.STATUS_IN_PROGRESS for state in states)


def test_bulk_submission_queries_do_not_grow_with_the_records(other_authority, editor, reviewer):
    few = drafts(other_authority, ["A1"])
    many = drafts(other_authority, [f"B{n}" for n in range(6)])
    with CaptureQueriesContext(connection) as one:
        submit_records_for_review(records=few, user=editor)
    with CaptureQueriesContext(connection) as six:
        submit_records_for_review(records=many, user=editor)
    assert len(six) <= len(one), [q["sql"][:120] for q in six.captured_queries]
    # Each record is still mailed about.
    assert len([m for m in mail.outbox if m.to == ["reviewer@example.org"]]) == 7


def test_the_review_is_of_the_latest_revision_stored_even_from_an_older_copy(
    other_authority, editor
):
    (record,) = drafts(other_authority, ["STALE"])
    stale = Activity.objects.get(pk=record.pk)
    newest = record.save_revision(user=editor)

    (state,) = submit_records_for_review(records=[stale], user=editor)

    assert state.current_task_state.revision_id == newest.pk
    entry = ModelLogEntry.objects.get(object_id=str(record.pk), action="wagtail.workflow.start")
    assert entry.revision_id == newest.pk
