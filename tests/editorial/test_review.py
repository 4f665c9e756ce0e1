"""Reviewers read the comments of a review in the admin and preview the public page first."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .helpers import form_data, soup, url

pytestmark = pytest.mark.django_db


def submit(client, user, record) -> None:
    client.force_login(user)
    data = form_data(client.get(url(record, "edit")))
    data["action-submit"] = "action-submit"
    assert client.post(url(record, "edit"), data).status_code == 302
    record.refresh_from_db()


def preview(client, record, data: dict, mode: str):
    """Send the form to Wagtail's preview, as the side panel does, and draw it in ``mode``."""
    address = url(record, "preview_on_edit")
    answer = client.post(address, data)
    assert answer.status_code == 200 and answer.json()["is_valid"], answer.content[:500]
    return client.get(address, {"mode": mode})


def test_the_preview_draws_the_unsaved_version_in_each_language(client, editor, activity):
    client.force_login(editor)
    data = form_data(client.get(url(activity, "edit")))
    data["title_0"], data["title_1"] = "Pozzi nuovi di Kolda", "New wells of Kolda"
    for mode, title, heading in (
        ("it", "Pozzi nuovi di Kolda", "Organizzazioni partecipanti"),
        ("en", "New wells of Kolda", "Organisations taking part"),
    ):
        page = soup(preview(client, activity, data, mode))
        assert page.select_one("h1").get_text(strip=True) == title
        assert page.select_one("html")["lang"] == mode
        assert heading in page.get_text(), page.get_text()[:2000]
    activity.refresh_from_db()
    assert activity.title["en"] != "New wells of Kolda"  # a preview saves nothing


def test_a_user_of_another_authority_gets_no_preview(client, florence_editor, activity):
    client.force_login(florence_editor)
    answer = client.get(url(activity, "preview_on_edit"), {"mode": "en"})
    assert answer.status_code in (302, 403)
    assert b"Project WELLS" not in answer.content


def test_the_reviewer_previews_the_submitted_version_in_both_languages(
    client, editor, reviewer, activity
):
    client.force_login(editor)
    data = form_data(client.get(url(activity, "edit")))
    data["title_0"], data["title_1"] = "Pozzi rinnovati", "Renewed wells"
    data["action-submit"] = "action-submit"
    assert client.post(url(activity, "edit"), data).status_code == 302
    activity.refresh_from_db()
    task = activity.current_workflow_task
    client.force_login(reviewer)
    edit = soup(client.get(url(activity, "edit")))
    address = url(activity, "workflow_preview", activity.pk, task.pk)
    # The reviewer's edit page offers the preview of the version in review, in each language.
    links = {a["data-preview-language"]: a["href"] for a in edit.select("[data-review-previews] a")}
    assert links == {"it": f"{address}?mode=it", "en": f"{address}?mode=en"}
    for mode, title in (("it", "Pozzi rinnovati"), ("en", "Renewed wells")):
        page = soup(client.get(links[mode]))
        assert page.select_one("h1").get_text(strip=True) == title
    activity.refresh_from_db()
    assert activity.title["en"] != "Renewed wells"  # the live version is unchanged


def test_the_editors_note_and_the_reviewers_comment_are_shown_in_the_admin(
    client, editor, reviewer, activity
):
    client.force_login(editor)
    data = form_data(client.get(url(activity, "edit")))
    data["action-submit"] = "action-submit"
    data["review_note"] = "Ho aggiunto il secondo pozzo."
    assert client.post(url(activity, "edit"), data).status_code == 302
    activity.refresh_from_db()
    task_state = activity.current_workflow_task_state

    # The reviewer reads the editor's note on the edit page.
    client.force_login(reviewer)
    notes = soup(client.get(url(activity, "edit"))).select("[data-review-comments] li")
    assert [n.select_one("q").get_text() for n in notes] == ["Ho aggiunto il secondo pozzo."]

    action = url(activity, "workflow_action", activity.pk, "reject", task_state.pk)
    assert client.post(action, {"comment": "Quanti pozzi in tutto?"}).status_code == 302

    # The editor sees the comment at the top of the edit page and in the conversation.
    client.force_login(editor)
    edit = client.get(url(activity, "edit"))
    page = soup(edit)
    top = " ".join(m.get_text(" ", strip=True) for m in page.select(".messages li"))
    assert "Quanti pozzi in tutto?" in top, top
    notes = [n.select_one("q").get_text() for n in page.select("[data-review-comments] li")]
    assert notes == ["Ho aggiunto il secondo pozzo.", "Quanti pozzi in tutto?"]
    actions = [n["data-review-action"] for n in page.select("[data-review-comments] li")]
    assert actions == ["wagtail.workflow.start", "wagtail.workflow.reject"]

    # And in the record's history, both comments.
    history = soup(client.get(url(activity, "history"))).get_text()
    assert "Ho aggiunto il secondo pozzo." in history
    assert "Quanti pozzi in tutto?" in history


def test_a_record_never_reviewed_has_no_comments(client, editor, activity):
    client.force_login(editor)
    page = soup(client.get(url(activity, "edit")))
    assert page.select("[data-review-comments] li") == []
    assert page.select_one("textarea[name=review_note]") is not None
    assert reverse("wagtailadmin_home")  # the admin is up


@pytest.mark.parametrize(("language", "label"), [("en", "Comment"), ("it", "Commento")])
def test_the_reviewers_comment_box_is_labelled_in_the_users_language(language, label):
    from django.utils import translation
    from wagtail.forms import TaskStateCommentForm

    with translation.override(language):
        assert str(TaskStateCommentForm()["comment"].label) == label
