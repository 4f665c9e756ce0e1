"""Every path from a text to a page escapes it: editor input, form messages, extra languages,
codelist values and page titles. Each hostile string must come back as visible text, never as
markup or script."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from wagtail.models import Page

from opencoop.activities.models import Activity, RecipientCountry
from opencoop.organisations.models import Organisation
from opencoop.pages.models import SectionPage, StandardPage
from opencoop.suggestions.models import Suggestion
from opencoop.suggestions.protection import TOKEN_FIELD, issue_form_token
from tests.conftest import SECTION_EN

from .hostile import HOSTILE_STRINGS, assert_no_injected_markup

pytestmark = pytest.mark.django_db

CASES = list(HOSTILE_STRINGS.items())
IDS = list(HOSTILE_STRINGS)


def visible(soup) -> str:
    return soup.get_text()


def publish(record):
    record.save()
    record.save_revision().publish()
    return record


def new_activity(slug: str, **fields) -> Activity:
    florence = Organisation.objects.get(identifier="IT-CF-01307110484")
    values = {"title": {"en": "Hostile test"}, **fields}
    return publish(
        Activity(
            reporting_org=florence,
            iati_identifier=f"IT-CF-01307110484-{slug.upper()}",
            slug=slug,
            **values,
        )
    )


@pytest.mark.parametrize(("name", "hostile"), CASES, ids=IDS)
def test_activity_title_and_description_from_an_editor(client, name, hostile):
    # Titles are capped at 500 characters by validation; descriptions are not.
    new_activity(
        "hostile",
        title={"en": hostile[:500], "it": hostile[:500]},
        description={"en": hostile},
        objectives={"en": "line one\n" + hostile},
        contact_person=hostile[:200],
    )
    detail = SECTION_EN + "projects/hostile/"
    for url in (detail, SECTION_EN + "projects/", SECTION_EN):
        response = client.get(url)
        assert response.status_code == 200, url
        soup = assert_no_injected_markup(response.content)
        assert hostile[:500] in visible(soup), f"{name} not shown as text on {url}"
    assert hostile in visible(assert_no_injected_markup(client.get(detail).content))
    assert Activity.objects.filter(slug="hostile").exists()


@pytest.mark.parametrize(("name", "hostile"), CASES, ids=IDS)
def test_text_in_an_extra_language_shown_as_fallback(client, name, hostile):
    # Imported IATI narratives may come in French only.
    activity = new_activity("extra-language", title={"fr": hostile[:500]})
    # A hostile language code is refused by validation, saying which field and why...
    activity.description = {hostile[:30]: hostile}
    with pytest.raises(ValidationError, match="is not a language code"):
        activity.full_clean()
    # ...and one that reached the table anyway (raw SQL, an old import) is still only text.
    Activity.objects.filter(pk=activity.pk).update(description={hostile[:30]: hostile})
    response = client.get(SECTION_EN + "projects/extra-language/")
    assert response.status_code == 200
    soup = assert_no_injected_markup(response.content)
    heading = soup.find("h1")
    assert heading.get_text() == hostile[:500]
    assert heading.find("span", lang="fr") is not None
    assert hostile in visible(soup)


@pytest.mark.parametrize(("name", "hostile"), CASES, ids=IDS)
def test_codelist_values_that_are_not_codes(client, name, hostile):
    activity = new_activity("bad-codes")
    code = hostile[:20]  # the width of a code column
    activity.status = code
    with pytest.raises(ValidationError, match="is not a code of the IATI ActivityStatus"):
        activity.full_clean()
    Activity.objects.filter(pk=activity.pk).update(status=code)
    RecipientCountry.objects.create(activity=activity, code=code, percentage=100)
    response = client.get(SECTION_EN + "projects/bad-codes/")
    assert response.status_code == 200
    soup = assert_no_injected_markup(response.content)
    assert code in visible(soup)


@pytest.mark.parametrize(("name", "hostile"), CASES, ids=IDS)
def test_page_titles_in_the_page_and_the_navigation(client, name, hostile):
    section = SectionPage.objects.get(url_path__endswith="/decentralized-cooperation/")
    page = section.add_child(
        instance=StandardPage(
            title=hostile[:255], slug="hostile-page", intro=hostile, show_in_menus=True
        )
    )
    page.save_revision().publish()
    for url in (page.url, SECTION_EN):
        response = client.get(url)
        assert response.status_code == 200, url
        soup = assert_no_injected_markup(response.content)
        assert hostile[:255] in visible(soup)
    title = assert_no_injected_markup(client.get(page.url).content).find("title")
    assert hostile[:255] in title.get_text()


@pytest.mark.parametrize(("name", "hostile"), CASES, ids=IDS)
def test_suggestion_messages_on_the_form_and_in_the_admin(client, name, hostile):
    stamp = issue_form_token(now=time.time() - 10)
    # An invalid e-mail makes the form come back with the message in the box.
    response = client.post(
        "/en/suggestions/",
        {"message": hostile, "email": "not-an-email", "page_url": hostile, TOKEN_FIELD: stamp},
    )
    assert response.status_code == 200
    soup = assert_no_injected_markup(response.content)
    assert soup.find("textarea").get_text().strip() == hostile.strip()
    Suggestion.objects.create(message=hostile[:4000], page_url=hostile[:500])
    editor = get_user_model().objects.create_superuser("e", "e@example.org", "x-long-password-1")
    client.force_login(editor)
    listing = client.get("/admin/snippets/suggestions/suggestion/")
    assert listing.status_code == 200
    admin_soup = assert_no_injected_markup_in_admin(listing.content)
    assert hostile[:60].strip()[:20] in admin_soup.get_text()


def assert_no_injected_markup_in_admin(html: bytes):
    """The admin has scripts of its own; injected ones would carry the hostile payload."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for script in soup.find_all("script"):
        # "xss-" as the payloads write it: a CSRF token (letters and digits) may hold "xss".
        assert "xss-" not in (script.string or "") and "alert(" not in (script.string or "")
    for element in soup.find_all(True):
        for attribute, value in element.attrs.items():
            if attribute.lower().startswith("on"):
                raise AssertionError(f"event handler in the admin: {element}")
            assert "alert(" not in str(value) or attribute in {"title", "value", "aria-label"}
    assert soup.find("img", src="x") is None
    return soup


def test_the_sql_ish_string_left_the_tables_alone(client):
    before = Activity.objects.count()
    new_activity("sql", title={"en": HOSTILE_STRINGS["sql-ish"]})
    assert Activity.objects.count() == before + 1
    assert Page.objects.exists()
