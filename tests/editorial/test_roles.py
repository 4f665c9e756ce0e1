"""Each role tries what it may not do, through the admin, and is refused."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Workflow, WorkflowContentType, WorkflowPage

from opencoop.activities.models import Activity, Budget
from opencoop.editorial.models import ReviewTask
from opencoop.editorial.roles import ADMINISTRATOR, EDITOR, PARTNER, REVIEWER
from opencoop.initiatives.models import Initiative

from .helpers import field_errors, form_data, refused, soup, url

pytestmark = pytest.mark.django_db


def listed_rows(response) -> list[str]:
    assert response.status_code == 200
    return [
        row.get_text(" ", strip=True) for row in soup(response).select("table.listing tbody tr")
    ]


def chooser_choices(response) -> list[str]:
    assert response.status_code == 200
    return [
        a.get_text(" ", strip=True) for a in soup(response).select("[data-chooser-modal-choice]")
    ]


def codenames(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return set(group.permissions.values_list("codename", flat=True))


def test_the_migration_creates_the_roles_with_their_permissions():
    editor, reviewer = codenames(EDITOR), codenames(REVIEWER)
    administrator, partner = codenames(ADMINISTRATOR), codenames(PARTNER)
    assert {"add_activity", "change_activity", "lock_activity"} <= editor
    assert "publish_activity" not in editor and "delete_activity" not in editor
    assert {"publish_activity", "publish_initiative", "unlock_activity"} <= reviewer
    assert "delete_activity" not in reviewer
    assert {
        "delete_activity",
        "add_importrun",
        "add_editorialmembership",
        "add_user",
    } <= administrator
    assert partner == {"access_admin", "change_activity"}
    # Wagtail's default groups became the roles instead of living on beside them.
    assert not Group.objects.filter(name__in=["Editors", "Moderators"]).exists()


def test_the_review_workflow_covers_every_record_type_and_the_pages():
    workflow = Workflow.objects.get(name="Review", active=True)
    task = ReviewTask.objects.get(workflow_tasks__workflow=workflow)
    assert list(task.groups.values_list("name", flat=True)) == [REVIEWER]
    labels = {
        wct.content_type.model for wct in WorkflowContentType.objects.filter(workflow=workflow)
    }
    assert labels == {"activity", "initiative", "exchange", "partnership", "annualplan"}
    assert WorkflowPage.objects.get(page__depth=1).workflow == workflow
    assert not Workflow.objects.get(name="Moderators approval").active


def test_an_editor_cannot_publish(login, editor, activity):
    client = login(editor)
    page = client.get(url(activity, "edit"))
    assert page.status_code == 200
    assert soup(page).select_one('[name="action-publish"]') is None
    data = form_data(page)
    data["title_1"] = "Changed by the editor"
    data["action-publish"] = "action-publish"
    response = client.post(url(activity, "edit"), data)
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.title["en"] == "Project WELLS"  # still the published text
    assert activity.has_unpublished_changes
    assert activity.get_latest_revision_as_object().title["en"] == "Changed by the editor"
    assert refused(client.get(url(activity, "unpublish")))
    assert refused(client.post(url(activity, "unpublish")))
    assert refused(client.post(url(activity, "delete")))
    assert Activity.objects.filter(pk=activity.pk, live=True).exists()


def test_an_editor_does_not_reach_another_authoritys_records(login, florence_editor, activity):
    client = login(florence_editor)
    rows = listed_rows(client.get(url(Activity, "list")))
    assert (
        len(rows)
        == Activity.objects.filter(
            reporting_org=florence_editor.editorial_memberships.get().organisation
        ).count()
    )
    assert not [row for row in rows if "WELLS" in row]
    assert [row for row in rows if "AGATA-SMERALDA" in row]  # Florence's own record is listed
    for view in ("edit", "history", "usage", "workflow_history", "unpublish", "delete"):
        assert refused(client.get(url(activity, view))), view
    compare = url(activity, "revisions_compare", activity.pk, "earliest", "latest")
    assert refused(client.get(compare))
    assert refused(client.post(url(activity, "lock")))
    assert refused(client.post(url(activity, "edit"), {"title_1": "x"}))
    results = reverse("wagtailsnippetchoosers_activities_activity:choose_results")
    assert chooser_choices(client.get(results + "?q=WELLS")) == []
    found = chooser_choices(client.get(results + "?q=Progetto"))
    assert found and not [title for title in found if "WELLS" in title]
    own = chooser_choices(client.get(results + "?q=Smeralda"))
    assert len(own) == 1 and "Agata Smeralda" in own[0]
    activity.refresh_from_db()
    assert activity.title["en"] == "Project WELLS"


def test_an_editor_cannot_file_a_record_under_another_authority(
    login, florence_editor, other_authority
):
    client = login(florence_editor)
    page = client.get(url(Activity, "add"))
    options = [o.get("value") for o in soup(page).select('select[name="reporting_org"] option')]
    assert str(other_authority.pk) not in options
    data = form_data(page)
    data.update(
        {
            "reporting_org": str(other_authority.pk),
            "iati_identifier": f"{other_authority.identifier}-INTRUDER",
            "title_0": "Intruso",
        }
    )
    response = client.post(url(Activity, "add"), data)
    assert response.status_code == 200
    assert not Activity.objects.filter(iati_identifier__endswith="-INTRUDER").exists()
    assert field_errors(response, "reporting_org")


def test_a_partner_edits_only_the_texts_of_their_activities(login, partner, activity, florence):
    client = login(partner)
    other = Activity.objects.filter(reporting_org=florence).first()
    assert refused(client.get(url(other, "edit")))
    assert refused(client.get(url(Initiative, "list")))
    assert refused(client.get(url(Activity, "add")))

    rows = listed_rows(client.get(url(Activity, "list")))
    assert len(rows) == 1 and activity.iati_identifier in rows[0]
    page = client.get(url(activity, "edit"))
    assert page.status_code == 200
    names = set(form_data(page))
    assert {"title_0", "description_1", "objectives_0", "target_groups_1"} <= names
    assert "status" not in names and "budgets-TOTAL_FORMS" not in names
    assert "reporting_org" not in names and "go_live_at" not in names

    data = form_data(page)
    data.update(
        {
            "title_1": "Wells for Niamey",
            "proposal_language": "fr",
            "title_proposal": "Des puits pour Niamey",
            # Fields outside the partner's form are ignored, whatever is posted.
            "status": "4",
            "budgets-TOTAL_FORMS": "1",
            "budgets-0-value": "999999",
            "action-publish": "action-publish",
            "action-submit": "action-submit",
        }
    )
    response = client.post(url(activity, "edit"), data)
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.title["en"] == "Project WELLS"  # nothing published
    draft = activity.get_latest_revision_as_object()
    assert draft.title == {
        "it": "Progetto WELLS",
        "en": "Wells for Niamey",
        "fr": "Des puits pour Niamey",
    }
    assert draft.status == "2"
    assert not Budget.objects.filter(activity=activity).exists()
    assert [b.value for b in draft.budgets.all()] == []
    assert activity.workflow_in_progress  # the proposal went to review


def test_a_partner_cannot_bring_back_an_old_version(login, partner, activity):
    first = activity.latest_revision
    draft = activity.get_latest_revision_as_object()
    draft.status = "3"
    draft.save_revision()
    client = login(partner)
    revert = url(activity, "revisions_revert", activity.pk, first.pk)
    assert refused(client.get(revert))
    assert refused(client.post(revert, {"title_0": "x"}))
    assert Activity.objects.get(pk=activity.pk).get_latest_revision_as_object().status == "3"


def test_a_partner_cannot_submit_texts_for_an_activity_they_left(
    login, partner, activity, partner_org
):
    client = login(partner)
    activity.participating_orgs.filter(organisation=partner_org).delete()
    assert refused(client.get(url(activity, "edit")))


def test_a_reviewer_does_not_review_another_authoritys_records(
    login, editor, florence_reviewer, reviewer, activity
):
    activity.get_workflow().start(activity, editor)
    task_state = activity.current_workflow_task_state
    approve = url(activity, "workflow_action", activity.pk, "approve", task_state.pk)
    response = login(florence_reviewer).post(approve, {"comment": ""})
    assert refused(response)
    activity.refresh_from_db()
    assert activity.workflow_in_progress
    assert activity.current_workflow_task_state.status == "in_progress"
