"""The record form in the admin speaks the editor's admin language, whatever came first.

Labels of multilingual fields start with a capital, as Django's own do; the snippet chooser's
buttons follow each request's language, not the language of the first form built in the process.
"""

from __future__ import annotations

import pytest
from wagtail.users.models import UserProfile

from opencoop.activities.models import Activity

from .helpers import filled_chooser, soup, url

pytestmark = pytest.mark.django_db


def admin_in(user, lang: str):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = lang
    profile.save()
    return user


def chooser_buttons(page) -> dict[str, set[str]]:
    """Return the texts of the organisation choosers' choose buttons, per state."""
    html = soup(page)
    texts: dict[str, set[str]] = {"unchosen": set(), "chosen": set()}
    for chooser in html.select("[id$=-organisation-chooser]"):
        filled = filled_chooser(html, chooser["id"].removesuffix("-chooser"))
        for state in texts:
            for button in filled.select(f".{state} [data-chooser-action-choose]"):
                texts[state].add(" ".join(button.get_text().split()))
    return texts


@pytest.fixture
def project_of_florence(florence) -> Activity:
    project = (
        Activity.objects.filter(reporting_org=florence, participating_orgs__isnull=False)
        .distinct()
        .first()
    )
    assert project is not None, "the demo has no project of Florence with partners"
    return project


@pytest.mark.parametrize("first", ["it", "en"])
def test_the_chooser_buttons_follow_each_editors_admin_language(
    client, first, florence_editor, florence_reviewer, project_of_florence
):
    second = {"it": "en", "en": "it"}[first]
    choose = {"it": "Scegli organizzazione", "en": "Choose organisation"}
    another = {"it": "organizzazione", "en": "Choose another organisation"}
    users = {first: admin_in(florence_editor, first), second: admin_in(florence_reviewer, second)}
    for lang in (first, second):
        client.force_login(users[lang])
        page = client.get(url(project_of_florence, "edit"))
        assert page.status_code == 200
        texts = chooser_buttons(page)
        assert texts["unchosen"] == {choose[lang]}, (lang, texts)
        assert len(texts["chosen"]) == 1 and another[lang] in texts["chosen"].pop(), (lang, texts)


@pytest.mark.parametrize("lang", ["it", "en"])
def test_multilingual_labels_start_with_a_capital(client, lang, florence_editor):
    client.force_login(admin_in(florence_editor, lang))
    html = soup(client.get(url(Activity, "add")))
    expected = {
        "title": {"it": "Titolo", "en": "Title"}[lang],
        "description": {"it": "Descrizione generale", "en": "General description"}[lang],
    }
    for name, label in expected.items():
        box = html.select_one(f"input[name={name}_0], textarea[name={name}_0]")
        assert box is not None and box["lang"] == "it", name
        section = box.find_parent("section", class_="w-panel")
        heading = section.select_one("[data-panel-heading-text]")
        assert " ".join(heading.get_text().split()) == label, name
        assert box.find_parent(attrs={"data-contentpath": name}) is not None
