"""The page cache: anonymous readers get cached pages, every publication shows at once."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from wagtail.models import Page

from opencoop.activities.models import Activity
from opencoop.core.models import PortalSettings
from opencoop.core.multilingual import text
from opencoop.operations import pagecache
from opencoop.pages.models import RecordIndexPage
from opencoop.suggestions.models import Suggestion
from tests.conftest import SECTION_EN, SECTION_IT
from tests.stats.fixtures import fictional  # noqa: F401

pytestmark = pytest.mark.django_db

CATALOGUE_IT = SECTION_IT + "catalogo/"
CATALOGUE_EN = SECTION_EN + "catalogue/"
PROJECT_EN = SECTION_EN + "projects/agata-smeralda-salvador-bahia/"
PROJECT_IT = SECTION_IT + "progetti/agata-smeralda-salvador-bahia/"
# The catalogue narrowed to the project's country, so that the project is on its first page.
CATALOGUE_BR = CATALOGUE_EN + "?country=BR"
FLORENCE = "IT-CF-01307110484"


def privacy_page() -> Page:
    return Page.objects.get(slug="privacy", locale__language_code="en").specific


@pytest.fixture(autouse=True)
def page_cache(settings):
    """Turn the page cache on (the test settings turn it off) with an empty cache."""
    from django.core.cache import cache

    settings.OPENCOOP_PAGE_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


def get(client, url: str, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, (url, response.status_code)
    return response


def publish(obj):
    obj.save()
    obj.save_revision().publish()
    return obj


@pytest.fixture
def activity() -> Activity:
    return Activity.objects.get(slug="agata-smeralda-salvador-bahia")


def record_url(kind: str, lang: str, record) -> str:
    """Return the address of a Florence record on its list page in ``lang``."""
    section = SECTION_IT if lang == "it" else SECTION_EN
    for index in RecordIndexPage.objects.live().filter(record_type=kind):
        if index.url.startswith(section):
            return index.record_url(record)
    raise AssertionError(f"No list of {kind} in {section}")


def public_urls(fictional) -> list[str]:  # noqa: F811
    from opencoop.exchanges.models import Exchange
    from opencoop.initiatives.models import Initiative

    initiative = Initiative.objects.published().filter(reporting_org__identifier=FLORENCE)
    exchange = Exchange.objects.published().filter(reporting_org__identifier=FLORENCE)
    return [
        "/it/",
        "/en/",
        SECTION_IT,
        SECTION_IT + "progetti/",
        PROJECT_IT,
        PROJECT_EN,
        record_url("initiatives", "it", initiative.first()),
        record_url("exchanges", "en", exchange.first()),
        CATALOGUE_IT,
        CATALOGUE_IT + "?country=SN&sector=15170",
        SECTION_EN + "open-data/",
        "/it/comune-di-esempio/statistiche/",
        "/en/example-municipality/map/",
        f"/geography/{fictional.slug}/map.json?lang=en",
        "/api/v1/activities?page_size=5",
        "/en/privacy/",
    ]


@pytest.mark.usefixtures("every_authority")  # the fictional authority on the demo's site
def test_a_second_anonymous_read_is_served_from_the_cache_without_a_query(client, fictional):  # noqa: F811
    from opencoop.opendata.files import check_files
    from opencoop.organisations.models import Organisation

    # The jobs worker has checked the authorities' files: the open-data page then shows them
    # (until then it says they are being checked, an answer the cache does not keep).
    for organisation in Organisation.objects.reporting().exclude(identifier=""):
        check_files(organisation)
    try:
        for url in public_urls(fictional):
            first = get(client, url)
            assert first["X-Cache"] == "miss", url
            with CaptureQueriesContext(connection) as queries:
                second = get(client, url)
            assert second["X-Cache"] == "hit", url
            assert len(queries) == 0, (url, [q["sql"] for q in queries])
            assert second.content == first.content, url
            assert second["Content-Type"] == first["Content-Type"], url
    finally:
        caches["jobs"].clear()  # the checks of authorities this test's rollback removes


def test_a_cached_page_still_gets_fresh_headers(client):
    first = get(client, SECTION_EN)
    second = get(client, SECTION_EN)
    assert second["X-Cache"] == "hit"
    assert second["X-Request-ID"] != first["X-Request-ID"]
    for header in ("Content-Security-Policy", "Permissions-Policy", "X-Frame-Options"):
        assert second[header] == first[header], header
    assert "Cookie" in second["Vary"]
    assert not second.cookies


def test_a_signed_in_editor_is_never_served_a_cached_page(client, activity):
    get(client, PROJECT_EN)
    assert get(client, PROJECT_EN)["X-Cache"] == "hit"
    editor = get_user_model().objects.create_superuser("cache-editor", "e@example.org", "x" * 12)
    client.force_login(editor)
    assert "X-Cache" not in get(client, PROJECT_EN)
    # What an editor reads first is not stored for anonymous readers either.
    assert "X-Cache" not in get(client, SECTION_EN)
    client.logout()
    client.cookies.clear()
    assert get(client, PROJECT_EN)["X-Cache"] == "hit"
    assert get(client, SECTION_EN)["X-Cache"] == "miss"


def test_a_visitor_with_pending_messages_gets_a_fresh_page(client):
    get(client, SECTION_EN)
    client.cookies["messages"] = "something"
    assert "X-Cache" not in get(client, SECTION_EN)


def test_a_published_change_shows_on_the_very_next_read(client, activity):
    activity_url = PROJECT_EN
    for url in (activity_url, CATALOGUE_BR, SECTION_EN):
        get(client, url)
        assert get(client, url)["X-Cache"] == "hit"
    old_title = text(activity.title, "en")
    activity.title = {**activity.title, "en": "Emeralds for Salvador, renamed"}
    publish(activity)
    for url in (activity_url, CATALOGUE_BR, SECTION_EN):
        response = get(client, url)
        assert response["X-Cache"] == "miss", url
        body = response.content.decode()
        assert "Emeralds for Salvador, renamed" in body, url
        assert escape(old_title) not in body, url


def test_a_draft_changes_nothing_on_the_public_page(client, activity):
    get(client, PROJECT_EN)
    activity.title = {**activity.title, "en": "A title still in draft"}
    activity.save_revision()
    body = get(client, PROJECT_EN).content.decode()
    assert "A title still in draft" not in body


def test_a_page_published_with_a_new_title_shows_at_once(client):
    page = privacy_page().specific
    get(client, "/en/privacy/")
    assert get(client, "/en/privacy/")["X-Cache"] == "hit"
    page.title = "Privacy, newly titled"
    page.save_revision().publish()
    assert "Privacy, newly titled" in get(client, "/en/privacy/").content.decode()


def test_unpublishing_removes_a_record_and_a_page(client, activity):
    get(client, PROJECT_EN)
    assert PROJECT_EN in get(client, CATALOGUE_BR).content.decode()
    activity.unpublish()
    assert client.get(PROJECT_EN).status_code == 404
    assert PROJECT_EN not in get(client, CATALOGUE_BR).content.decode()

    page = privacy_page()
    get(client, "/en/privacy/")
    page.unpublish()
    assert client.get("/en/privacy/").status_code == 404


def test_deleting_a_page_removes_it(client):
    get(client, "/en/privacy/")
    privacy_page().delete()
    assert client.get("/en/privacy/").status_code == 404


def test_portal_settings_show_at_once(client):
    get(client, "/en/")
    portal = PortalSettings.objects.first()
    assert portal is not None
    portal.save()
    assert get(client, "/en/")["X-Cache"] == "miss"


def test_languages_and_query_strings_are_different_entries(client):
    italian = get(client, CATALOGUE_IT)
    english = get(client, CATALOGUE_EN)
    assert english["X-Cache"] == "miss"
    assert italian.content != english.content
    filtered = get(client, CATALOGUE_IT + "?country=SN")
    assert filtered["X-Cache"] == "miss"
    assert filtered.content != italian.content
    assert get(client, CATALOGUE_IT + "?country=BO")["X-Cache"] == "miss"
    assert get(client, CATALOGUE_IT + "?country=SN")["X-Cache"] == "hit"
    assert get(client, CATALOGUE_IT)["X-Cache"] == "hit"
    assert get(client, CATALOGUE_IT).content == italian.content
    # Outside the language prefix, the language comes from the browser: one entry per language.
    url = "/api/v1/activities?page_size=5"
    get(client, url, HTTP_ACCEPT_LANGUAGE="en")
    assert get(client, url, HTTP_ACCEPT_LANGUAGE="it")["X-Cache"] == "miss"
    assert get(client, url, HTTP_ACCEPT_LANGUAGE="en")["X-Cache"] == "hit"


def test_the_suggestions_form_is_never_cached(client):
    # The form carries a signed stamp of when it was shown (a spam check): always a fresh one.
    first = get(client, "/en/suggestions/?from=/en/a/")
    assert not first.cookies
    assert "no-store" in first["Cache-Control"]
    again = get(client, "/en/suggestions/?from=/en/a/")
    assert again["X-Cache"] == "miss"
    assert b"/en/a/" in again.content


def test_answers_other_than_200_are_not_stored(client):
    assert client.get(SECTION_EN + "projects/no-such-project/").status_code == 404
    response = client.get(SECTION_EN + "projects/no-such-project/")
    assert response.status_code == 404
    assert response["X-Cache"] == "miss"


def test_posts_admin_and_unknown_addresses_are_left_alone(client):
    assert "X-Cache" not in client.post("/en/suggestions/", {})
    assert "X-Cache" not in client.get("/admin/login/")
    assert "X-Cache" not in client.get("/robots.txt")


def test_the_cache_can_be_turned_off(client, settings):
    settings.OPENCOOP_PAGE_CACHE_SECONDS = 0
    get(client, SECTION_EN)
    assert "X-Cache" not in get(client, SECTION_EN)


def test_personal_or_uncacheable_responses_are_not_kept():
    from django.http import HttpResponse

    request = RequestFactory().get("/en/")
    assert pagecache.is_cacheable_response(request, HttpResponse("ok"))
    request._csp_nonce = "abc123"
    assert not pagecache.is_cacheable_response(request, HttpResponse("ok"))
    request = RequestFactory().get("/en/")
    response = HttpResponse("ok")
    response._csp_update = {"script-src": ["https://example.org"]}
    assert not pagecache.is_cacheable_response(request, response)
    for cache_control in ("private", "no-store", "max-age=0, no-cache"):
        response = HttpResponse("ok")
        response["Cache-Control"] = cache_control
        assert not pagecache.is_cacheable_response(request, response), cache_control
    response = HttpResponse("ok")
    response["Vary"] = "Accept-Encoding"
    assert not pagecache.is_cacheable_response(request, response)
    response = HttpResponse("ok")
    response.set_cookie("csrftoken", "x")
    assert not pagecache.is_cacheable_response(request, response)
    # A page that holds a CSRF token: the token is tied to this visitor's cookie.
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    assert not pagecache.is_cacheable_response(request, HttpResponse("ok"))


def test_only_public_rows_empty_the_cache():
    start = pagecache.generation()
    Suggestion.objects.create(message="A suggestion", language="en")
    assert pagecache.generation() == start
    Activity.objects.first().save()
    assert pagecache.generation() > start


def test_the_generation_survives_an_emptied_cache(client):
    from django.core.cache import cache

    get(client, SECTION_EN)
    before = pagecache.generation()
    cache.delete(pagecache.GENERATION_KEY)
    assert pagecache.generation() != before
    assert get(client, SECTION_EN)["X-Cache"] == "miss"


def test_the_command_empties_the_cache(client):
    from django.core.management import call_command

    get(client, SECTION_EN)
    assert get(client, SECTION_EN)["X-Cache"] == "hit"
    call_command("clear_page_cache", stdout=io.StringIO())
    assert get(client, SECTION_EN)["X-Cache"] == "miss"


def test_head_is_answered_from_the_page_a_get_cached(client):
    get(client, SECTION_EN)
    response = client.head(SECTION_EN)
    assert response.status_code == 200
    assert response["X-Cache"] == "hit"
    assert response.content == b""


# Parameters a page does not read ---------------------------------------------------------------


def cache_entries(prefix: str = "") -> int:
    """Count the keys in the test settings' LocMemCache (those of ``prefix`` when given)."""
    from django.core.cache import cache

    return sum(1 for key in cache._cache if prefix in key)


@pytest.mark.parametrize(
    "url", [CATALOGUE_EN, PROJECT_EN, SECTION_EN + "projects/", "/api/v1/activities"]
)
def test_unknown_parameters_create_no_entries_and_get_the_same_page(client, url):
    plain = get(client, url)
    entries = cache_entries()
    for number in range(300):
        response = get(client, f"{url}?utm={number}")
        assert response.content == plain.content
    assert cache_entries() == entries


def test_unknown_parameters_are_served_from_the_page_without_them(client):
    get(client, CATALOGUE_BR)
    junk = get(client, CATALOGUE_BR + "&utm_source=newsletter")
    assert junk["X-Cache"] == "hit"
    assert junk.content == get(client, CATALOGUE_BR).content


def test_the_catalogue_still_caches_each_filter_and_page(client):
    entries = cache_entries("opencoop:page:")
    assert get(client, CATALOGUE_EN + "?country=BR")["X-Cache"] == "miss"
    assert get(client, CATALOGUE_EN + "?country=BR")["X-Cache"] == "hit"
    other = get(client, CATALOGUE_EN + "?country=PS")
    assert other["X-Cache"] == "miss"
    assert get(client, CATALOGUE_EN + "?country=PS")["X-Cache"] == "hit"
    first, second = get(client, CATALOGUE_EN), get(client, CATALOGUE_EN + "?page=2")
    assert second["X-Cache"] == "miss"
    assert first.content != second.content
    assert cache_entries("opencoop:page:") == entries + 4


def test_a_list_page_keys_on_its_page_number(client):
    first = get(client, "/api/v1/activities?page_size=2")
    second = get(client, "/api/v1/activities?page_size=2&page=2")
    assert second["X-Cache"] == "miss"
    assert first.content != second.content
    assert get(client, "/api/v1/activities?page=2&page_size=2&utm=1")["X-Cache"] == "hit"


def test_a_search_word_holding_a_parameter_is_not_taken_for_it(client):
    filtered = get(client, CATALOGUE_EN + "?q=a&country=BR")
    searched = get(client, CATALOGUE_EN + "?q=a%26country%3DBR")
    assert searched["X-Cache"] == "miss"
    assert searched.content != filtered.content
