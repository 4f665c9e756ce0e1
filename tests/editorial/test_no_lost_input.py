"""The activity form never loses input: errors are named where they are, conflicts are told."""

from __future__ import annotations

import pytest
from django.test import Client

from opencoop.activities.models import Activity
from opencoop.editorial.roles import EDITOR
from tests.factories import make_user

from .helpers import form_data, soup, url
from .test_admin_italian import in_italian

pytestmark = pytest.mark.django_db


def error_summary(response) -> list[str]:
    return [
        " ".join(item.get_text().split())
        for item in soup(response).select("[data-error-summary] li")
    ]


def messages(response) -> str:
    return " ".join(soup(response).select_one(".messages").get_text().split())


def partner_rows(record: Activity) -> list[str]:
    latest = record.get_latest_revision_as_object()
    return [row.role for row in latest.participating_orgs.all()]


def test_the_activity_form_has_no_autosave(client, editor, activity):
    # An autosave racing "Save draft" emptied a row: records with repeated parts save on demand.
    client.force_login(editor)
    form = soup(client.get(url(activity, "edit"))).select_one("form[data-edit-form]")
    assert form is not None
    assert not form.has_attr("data-w-autosave-interval-value")
    assert "w-autosave" not in form.get("data-action", "")


def test_an_invalid_row_is_named_by_tab_row_and_field(client, editor, activity):
    client.force_login(in_italian(editor))
    data = form_data(client.get(url(activity, "edit")))
    data["participating_orgs-1-role"] = "99"
    response = client.post(url(activity, "edit"), data)
    assert response.status_code == 200
    wrong = "Scegli un'opzione valida. 99 non è tra quelle disponibili."
    assert f"Partner › Organizzazioni partecipanti › riga 2 › Ruolo: {wrong}" in (
        error_summary(response)
    ), error_summary(response)
    # The row's own field is marked too, and nothing was saved.
    role = soup(response).find(id="id_participating_orgs-1-role")
    marked = role.find_parent(attrs={"data-field": True}).select_one(".error-message")
    assert " ".join(marked.get_text().split()) == wrong
    assert partner_rows(Activity.objects.get(pk=activity.pk)) == ["1", "4"]


def test_an_error_on_a_hidden_field_appears_in_the_summary(client, editor, activity):
    client.force_login(in_italian(editor))
    data = form_data(client.get(url(activity, "edit")))
    # A chooser keeps its value in a hidden input: an organisation that does not exist.
    data["participating_orgs-1-organisation"] = "999999"
    response = client.post(url(activity, "edit"), data)
    assert response.status_code == 200
    lines = error_summary(response)
    assert any(
        line.startswith("Partner › Organizzazioni partecipanti › riga 2 › Organizzazione:")
        for line in lines
    ), lines


def test_a_save_over_a_deleted_row_is_refused_with_a_message_naming_the_row(
    editor, other_authority, activity
):
    colleague = make_user("colleague", EDITOR, organisation=other_authority)
    first, second = Client(), Client()
    first.force_login(editor)
    second.force_login(in_italian(colleague))
    first_data = form_data(first.get(url(activity, "edit")))
    second_data = form_data(second.get(url(activity, "edit")))

    first_data["participating_orgs-1-DELETE"] = "1"
    first_data["title_0"] = "Pozzi a Kolda"
    assert first.post(url(activity, "edit"), first_data).status_code == 302
    assert partner_rows(Activity.objects.get(pk=activity.pk)) == ["1"]

    second_data["participating_orgs-1-role"] = "2"
    refused = second.post(url(activity, "edit"), second_data)
    assert refused.status_code == 200
    text = messages(refused)
    assert "editor" in text, text
    assert "Partner › Organizzazioni partecipanti › riga 2 eliminata" in text, text
    assert "Contenuto › titolo" in text, text
    # Nothing the first editor saved is lost, and the second editor's input is still there.
    saved = Activity.objects.get(pk=activity.pk).get_latest_revision_as_object()
    assert [row.role for row in saved.participating_orgs.all()] == ["1"]
    assert saved.title["it"] == "Pozzi a Kolda"
    kept = form_data(refused)
    assert kept["participating_orgs-1-role"] == "2"
    assert kept["participating_orgs-1-id"] == ""

    # Saving again keeps the second editor's version on purpose: the row comes back.
    assert second.post(url(activity, "edit"), kept).status_code == 302
    assert partner_rows(Activity.objects.get(pk=activity.pk)) == ["1", "2"]


def test_two_editors_saving_one_activity_each_get_a_clear_outcome(editor, activity):
    """Two editors of one authority open the activity; each changes a different text and saves.

    The first save is saved and said so; the second is refused with a message naming who saved,
    and what, and keeps what the second editor typed; nothing is saved in silence."""
    colleague = make_user("colleague", EDITOR, organisation=activity.reporting_org)
    first, second = Client(), Client()
    first.force_login(editor)
    second.force_login(in_italian(colleague))
    first_data = form_data(first.get(url(activity, "edit")))
    second_data = form_data(second.get(url(activity, "edit")))

    first_data["title_0"] = "Pozzi a Kolda"
    saved = first.post(url(activity, "edit"), first_data, follow=True)
    assert saved.status_code == 200
    assert "Pozzi a Kolda" in messages(saved), messages(saved)
    assert not soup(saved).select(".messages .error"), messages(saved)

    second_data["description_0"] = "Dieci pozzi nella regione di Kolda."
    refused = second.post(url(activity, "edit"), second_data)
    assert refused.status_code == 200
    text = messages(refused)
    assert "editor" in text and "Contenuto › titolo" in text, text
    assert "non è stato salvato nulla" in text, text
    latest = Activity.objects.get(pk=activity.pk).get_latest_revision_as_object()
    assert latest.title["it"] == "Pozzi a Kolda"
    assert latest.description.get("it") != "Dieci pozzi nella regione di Kolda."
    assert form_data(refused)["description_0"] == "Dieci pozzi nella regione di Kolda."

    # Saving again is the second editor's choice, made knowing what changed: it is saved.
    assert second.post(url(activity, "edit"), form_data(refused)).status_code == 302
    latest = Activity.objects.get(pk=activity.pk).get_latest_revision_as_object()
    assert latest.description["it"] == "Dieci pozzi nella regione di Kolda."
