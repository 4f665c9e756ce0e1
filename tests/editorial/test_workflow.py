"""Review workflow, publication checks, scheduling, history, locking and audit, through the admin."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import ModelLogEntry, Revision, TaskState, WorkflowState

from opencoop.activities.models import Activity
from opencoop.editorial.roles import EDITOR, REVIEWER
from opencoop.initiatives.models import Initiative
from tests.factories import make_user

from .helpers import field_errors, form_data, messages_text, refused, soup, url

pytestmark = pytest.mark.django_db


def submit(client, record, **changes):
    """Open the record's edit form, change it and submit it for review."""
    data = form_data(client.get(url(record, "edit")))
    data.update(changes)
    data["action-submit"] = "action-submit"
    response = client.post(url(record, "edit"), data)
    assert response.status_code == 302, messages_text(response)
    return response


def add_rows(data: dict, prefix: str, rows: list[dict]) -> None:
    """Append rows to an inline formset of the posted ``data``."""
    start = int(data[f"{prefix}-TOTAL_FORMS"])
    for offset, row in enumerate(rows):
        number = start + offset
        data.update({f"{prefix}-{number}-{key}": value for key, value in row.items()})
        data.setdefault(f"{prefix}-{number}-id", "")
        data.setdefault(f"{prefix}-{number}-ORDER", str(number + 1))
    data[f"{prefix}-TOTAL_FORMS"] = str(start + len(rows))


def actions_logged(record) -> list[str]:
    return list(
        ModelLogEntry.objects.filter(object_id=str(record.pk), content_type__model="activity")
        .order_by("timestamp", "pk")
        .values_list("action", flat=True)
    )


def test_submit_then_approve_publishes_and_mails_only_that_authoritys_reviewers(
    login, editor, reviewer, florence_reviewer, activity
):
    submit(login(editor), activity, title_1="Wells and training")
    activity.refresh_from_db()
    assert activity.workflow_in_progress
    assert activity.title["en"] == "Project WELLS"
    submitted = [m for m in mail.outbox if "reviewer@example.org" in m.to]
    assert submitted, [m.to for m in mail.outbox]
    assert not [m for m in mail.outbox if "florence-reviewer@example.org" in m.to]

    client = login(reviewer)
    home = soup(client.get("/admin/"))
    in_review = home.select_one('[data-dashboard="in-review"]')
    assert [a["href"] for a in in_review.select("li a")] == [url(activity, "edit")]
    task_state = activity.current_workflow_task_state
    mail.outbox.clear()
    response = client.post(
        url(activity, "workflow_action", activity.pk, "approve", task_state.pk), {"comment": ""}
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.title["en"] == "Wells and training"
    assert activity.live and not activity.workflow_in_progress
    assert ["editor@example.org"] in [m.to for m in mail.outbox]
    logged = actions_logged(activity)
    assert {"wagtail.workflow.start", "wagtail.workflow.approve", "wagtail.publish"} <= set(logged)
    publish = ModelLogEntry.objects.filter(
        object_id=str(activity.pk), action="wagtail.publish"
    ).latest("timestamp")
    assert publish.user == reviewer


def test_reject_with_a_comment_sends_it_back_as_a_draft(login, editor, reviewer, activity):
    submit(login(editor), activity, title_1="Wells, maybe")
    task_state = activity.current_workflow_task_state
    mail.outbox.clear()
    response = login(reviewer).post(
        url(activity, "workflow_action", activity.pk, "reject", task_state.pk),
        {"comment": "Say how many wells."},
    )
    assert response.status_code == 302
    state = WorkflowState.objects.for_instance(activity).get()
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert TaskState.objects.get(pk=task_state.pk).comment == "Say how many wells."
    activity.refresh_from_db()
    assert activity.title["en"] == "Project WELLS"
    rejected = [m for m in mail.outbox if m.to == ["editor@example.org"]]
    assert rejected and "Say how many wells." in rejected[0].body
    # The editor fixes it and sends it again: the same review resumes.
    submit(login(editor), activity, title_1="Twelve wells")
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_IN_PROGRESS


@pytest.mark.parametrize(
    ("language", "status_label", "status_missing", "description_missing"),
    [
        (
            "it",
            "Dove e cosa › Stato",
            "manca lo stato dell'attività",
            "serve una descrizione (generale, obiettivi o gruppi destinatari)",
        ),
        (
            "en",
            "Where and what › Status",
            "the activity status is missing",
            "a description is required (general, objectives or target groups)",
        ),
    ],
)
def test_publishing_an_incomplete_record_is_refused_with_the_fields_named(
    login, florence, florence_reviewer, language, status_label, status_missing, description_missing
):
    record = Activity.objects.get(slug="agata-smeralda-salvador-bahia")
    revisions = Revision.objects.filter(
        object_id=str(record.pk), base_content_type__model="activity"
    )
    before = revisions.count()
    client = login(florence_reviewer)
    data = form_data(client.get(url(record, "edit"), HTTP_ACCEPT_LANGUAGE=language))
    data["title_1"] = "Changed"
    data["action-publish"] = "action-publish"
    response = client.post(url(record, "edit"), data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert field_errors(response, "status") == [status_missing]
    assert field_errors(response, "description") == [description_missing]
    # The message at the top names the tab and the field by their labels, in the same language.
    assert f"{status_label}: {status_missing}" in messages_text(response)
    record.refresh_from_db()
    assert record.title["en"] != "Changed"
    assert revisions.count() == before


def test_data_quality_problems_are_named_and_block_only_publishing(login, reviewer, activity):
    client = login(reviewer)
    page = client.get(url(activity, "edit"))
    data = form_data(page)
    add_rows(
        data,
        "sectors",
        [
            {"vocabulary": "1", "code": "14030", "percentage": "60"},
            {"vocabulary": "1", "code": "31120", "percentage": "30"},
        ],
    )
    add_rows(
        data,
        "transactions",
        [{"type": "3", "date": "2023-06-01", "value": "1000", "currency": "EUR"}],
    )
    publish = {**data, "action-publish": "action-publish"}
    response = client.post(url(activity, "edit"), publish)
    assert response.status_code == 200
    text = messages_text(response)
    assert "Settori" in text and "sommano a 90, non a 100" in text
    assert "2023-06-01 è fuori dalle date dell'attività (2024-01-01 – 2025-12-31)" in text
    transaction_errors = [
        e.get_text(" ", strip=True)
        for e in soup(response).select('[data-contentpath="date"] .error-message')
    ]
    assert any("fuori dalle date dell'attività" in error for error in transaction_errors)
    activity.refresh_from_db()
    assert not activity.sectors.exists()

    # The same content saved as a draft is accepted, with the problems listed as a warning.
    draft = client.post(url(activity, "edit"), data, follow=True)
    assert draft.status_code == 200
    assert "sommano a 90, non a 100" in messages_text(draft)
    latest = Activity.objects.get(pk=activity.pk).get_latest_revision_as_object()
    assert [s.percentage for s in latest.sectors.all()] == [60, 30]


def test_approval_is_not_offered_for_a_record_that_would_not_validate(
    login, florence_editor, florence_reviewer
):
    record = Activity.objects.get(slug="agata-smeralda-salvador-bahia")
    submit(login(florence_editor), record, title_1="Agata Smeralda, again")
    task_state = record.current_workflow_task_state
    actions = [
        name for name, *_rest in task_state.task.specific.get_actions(record, florence_reviewer)
    ]
    assert actions == ["reject"]
    client = login(florence_reviewer)
    response = client.post(
        url(record, "workflow_action", record.pk, "approve", task_state.pk), {"comment": ""}
    )
    assert refused(response)
    record.refresh_from_db()
    assert record.workflow_in_progress
    assert record.title["en"] != "Agata Smeralda, again"


def test_scheduled_publishing_and_expiry(login, reviewer, activity):
    client = login(reviewer)
    data = form_data(client.get(url(activity, "edit")))
    go_live = timezone.localtime() + datetime.timedelta(days=2)
    data.update(
        {
            "title_1": "Wells, from next week",
            "go_live_at": go_live.strftime("%Y-%m-%d %H:%M"),
            "action-publish": "action-publish",
        }
    )
    response = client.post(url(activity, "edit"), data)
    assert response.status_code == 302, messages_text(response)
    activity.refresh_from_db()
    assert activity.title["en"] == "Project WELLS"
    scheduled = Revision.objects.get(object_id=str(activity.pk), approved_go_live_at__isnull=False)
    # Move the schedule into the past, as if the two days had gone by.
    past = timezone.now() - datetime.timedelta(minutes=1)
    scheduled.content["go_live_at"] = past.isoformat()
    Revision.objects.filter(pk=scheduled.pk).update(
        approved_go_live_at=past, content=scheduled.content
    )
    call_command("publish_scheduled")
    activity.refresh_from_db()
    assert activity.title["en"] == "Wells, from next week"
    Activity.objects.filter(pk=activity.pk).update(
        expire_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    call_command("publish_scheduled")
    activity.refresh_from_db()
    assert not activity.live and activity.expired


def test_revisions_can_be_compared_and_reverted(login, editor, reviewer, activity):
    first = activity.latest_revision
    client = login(editor)
    data = form_data(client.get(url(activity, "edit")))
    data["title_1"] = "Second version"
    assert client.post(url(activity, "edit"), data).status_code == 302
    latest = Activity.objects.get(pk=activity.pk).latest_revision
    assert latest.pk != first.pk

    compare = client.get(url(activity, "revisions_compare", activity.pk, first.pk, latest.pk))
    assert compare.status_code == 200
    text = soup(compare).get_text(" ")
    assert "Project WELLS" in text and "Second version" in text

    client = login(reviewer)
    revert_url = url(activity, "revisions_revert", activity.pk, first.pk)
    page = client.get(revert_url)
    assert page.status_code == 200
    data = form_data(page)
    assert data["title_1"] == "Project WELLS"
    assert client.post(revert_url, data).status_code == 302
    reverted = Activity.objects.get(pk=activity.pk).get_latest_revision_as_object()
    assert reverted.title["en"] == "Project WELLS"


def test_a_locked_record_cannot_be_saved_by_someone_else(
    login, editor, reviewer, other_authority, activity
):
    colleague = make_user("colleague", EDITOR, organisation=other_authority)
    client = login(editor)
    assert client.post(url(activity, "lock")).status_code == 302
    activity.refresh_from_db()
    assert activity.locked and activity.locked_by == editor

    client = login(colleague)
    data = form_data(client.get(url(activity, "edit")))
    data["title_1"] = "Colleague's change"
    response = client.post(url(activity, "edit"), data)
    assert response.status_code == 200
    assert (
        Activity.objects.get(pk=activity.pk).get_latest_revision_as_object().title["en"]
        == "Project WELLS"
    )
    assert refused(client.post(url(activity, "unlock")))
    activity.refresh_from_db()
    assert activity.locked

    login(reviewer).post(url(activity, "unlock"))
    activity.refresh_from_db()
    assert not activity.locked


def test_every_save_and_publish_is_in_the_audit_log(login, editor, reviewer, other_authority):
    client = login(editor)
    data = form_data(client.get(url(Initiative, "add")))
    data.update({"title_0": "Festa della cooperazione", "kind": "event"})
    assert data["slug"] == ""  # made from the title
    response = client.post(url(Initiative, "add"), data)
    assert response.status_code == 302, messages_text(response)
    initiative = Initiative.objects.get(title__it="Festa della cooperazione")
    assert initiative.reporting_org == other_authority and not initiative.live
    assert initiative.slug == "festa-della-cooperazione"
    client = login(reviewer)
    data = form_data(client.get(url(initiative, "edit")))
    data["action-publish"] = "action-publish"
    assert client.post(url(initiative, "edit"), data).status_code == 302
    entries = list(
        ModelLogEntry.objects.filter(
            object_id=str(initiative.pk), content_type__model="initiative"
        ).values_list("action", "user__username")
    )
    assert ("wagtail.create", "editor") in entries
    assert ("wagtail.publish", "reviewer") in entries
    history = client.get(url(initiative, "history"))
    assert history.status_code == 200
    assert "editor" in soup(history).get_text()


def test_pages_go_through_the_same_review(login, editor):
    from wagtail.models import Page

    page = Page.objects.filter(depth=2).first().specific
    workflow = page.get_workflow()
    assert workflow is not None and workflow.name == "Review"
    role_names = {REVIEWER}
    task = workflow.tasks.first().specific
    assert set(task.groups.values_list("name", flat=True)) == role_names
