"""The admin speaks correct Italian on the project's screens and sends nothing to Gravatar."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.users.models import UserProfile

from .helpers import form_data, soup, url

pytestmark = pytest.mark.django_db


def in_italian(user):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "it"
    profile.save()
    return user


def page_text(response) -> str:
    assert response.status_code == 200
    return " ".join(soup(response).get_text().split())


@pytest.mark.parametrize("name", ["wagtailadmin_home", "wagtailadmin_account"])
def test_no_avatar_is_loaded_from_gravatar(client, administrator, name):
    client.force_login(administrator)
    page = client.get(reverse(name))
    assert page.status_code == 200
    assert b"gravatar.com" not in page.content


def test_the_pages_menu_keeps_wagtails_italian_name(client, administrator):
    # The project's pagination label shared the msgid "Pages" with Wagtail's menu.
    client.force_login(in_italian(administrator))
    page = client.get(reverse("wagtailadmin_home"))
    assert page.status_code == 200
    assert "Paginazione" not in page.content.decode()
    assert '"label": "Pagine"' in page.content.decode()


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("editorial:translations", "Testi da tradurre"),
        ("imports:index", "Importazione da foglio di calcolo"),
    ],
)
def test_the_projects_screens_are_titled_by_what_they_do(client, administrator, name, title):
    client.force_login(in_italian(administrator))
    html = soup(client.get(reverse(name)))
    # The title of the screen is the visible breadcrumbs (the <h1> is for screen readers).
    crumbs = [" ".join(item.get_text().split()) for item in html.select("header nav li")]
    assert crumbs[-1] == title, crumbs


def test_a_refused_new_organisation_is_announced_in_proper_italian(client, administrator):
    from opencoop.organisations.models import Organisation

    client.force_login(in_italian(administrator))
    data = form_data(client.get(url(Organisation, "add")))
    text = page_text(client.post(url(Organisation, "add"), data))
    assert "Organizzazionenon" not in text
    assert "Impossibile creare organizzazione a causa di errori." in text


def test_the_review_request_email_reads_well_in_italian(client, editor, reviewer, activity):
    in_italian(reviewer)
    client.force_login(editor)
    data = form_data(client.get(url(activity, "edit")))
    data["action-submit"] = "action-submit"
    assert client.post(url(activity, "edit"), data).status_code == 302
    sent = [m for m in mail.outbox if m.to == ["reviewer@example.org"]]
    assert sent, [m.to for m in mail.outbox]
    for text in (sent[0].subject, sent[0].body):
        assert "per per" not in text
        assert 'Richiesta di approvazione per "Progetto WELLS" (attività)' in text, text


def test_the_workflow_buttons_and_messages_read_well_in_italian(client, editor, activity):
    client.force_login(in_italian(editor))
    edit = client.get(url(activity, "edit"))
    text = page_text(edit)
    assert "Invia a Review" not in text
    assert "Invia in revisione" in text
    data = form_data(edit)
    data["action-submit"] = "action-submit"
    submitted = client.post(url(activity, "edit"), data, follow=True)
    text = page_text(submitted)
    assert "Elemento inviato in revisione: Attività 'Progetto WELLS'." in text
    text = page_text(client.get(url(activity, "edit")))
    for wrong in ("Questo attività", "Il attività", "è stato inviato"):
        assert wrong not in text, wrong
    assert "Questo elemento (attività) è in attesa di revisione." in text


def test_the_live_filter_of_activities_reads_in_italian(client, editor, activity):
    from opencoop.activities.models import Activity

    client.force_login(in_italian(editor))
    page = client.get(url(Activity, "list") + "?live=1")
    html = soup(page)
    pills = [" ".join(p.get_text().split()) for p in html.select("[data-w-active-filter-id]")]
    assert pills == ["Online: Sì"], pills
    assert "Project WELLS" in page_text(page) or "Progetto WELLS" in page_text(page)
    assert "Progetto WELLS" not in page_text(client.get(url(Activity, "list") + "?live=0"))


def test_the_dashboard_names_the_stage_that_asked_for_changes(client, editor, reviewer, activity):
    client.force_login(editor)
    data = form_data(client.get(url(activity, "edit")))
    data["action-submit"] = "action-submit"
    assert client.post(url(activity, "edit"), data).status_code == 302
    task_state = activity.current_workflow_task_state
    client.force_login(reviewer)
    action = url(activity, "workflow_action", activity.pk, "reject", task_state.pk)
    assert client.post(action, {"comment": "Quanti pozzi?"}).status_code == 302
    client.force_login(in_italian(editor))
    text = page_text(client.get(reverse("wagtailadmin_home")))
    assert "Modifiche richieste il" not in text
    assert "Modifiche richieste nella fase Review" in text
