"""The suggestions form stores messages and explains what is wrong with bad ones."""

import time

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache

from opencoop.suggestions.models import MAX_MESSAGE_LENGTH, Suggestion
from opencoop.suggestions.protection import TOKEN_FIELD, issue_form_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    """Start each test with no suggestions counted against the test client's address."""
    cache.clear()


def form(**fields):
    """Return the form's fields as a person sends them: with the stamp of a page shown 10 s ago."""
    return {TOKEN_FIELD: issue_form_token(now=time.time() - 10), **fields}


URL_EN = "/en/suggestions/"
URL_IT = "/it/suggerimenti/"


def test_a_suggestion_is_stored_and_acknowledged(client):
    response = client.post(URL_EN, form(message="Please add a map.", email="a@example.org"))
    assert response.status_code == 302
    stored = Suggestion.objects.get()
    assert stored.message == "Please add a map."
    assert stored.email == "a@example.org"
    assert stored.language == "en"
    page = client.get(response["Location"])
    assert "your suggestion has been received" in page.content.decode().lower()


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("", "the message is empty"),
        ("   ", "the message is empty"),
        ("x" * (MAX_MESSAGE_LENGTH + 1), f"at most {MAX_MESSAGE_LENGTH} characters"),
    ],
)
def test_bad_messages_get_a_clear_error_and_nothing_is_stored(client, message, expected):
    response = client.post(URL_EN, form(message=message))
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    summary = soup.find(id="error-summary")
    assert summary is not None
    assert expected in summary.get_text().lower()
    assert Suggestion.objects.count() == 0


def test_hostile_text_is_stored_as_text_and_never_echoed_as_markup(client):
    hostile = "<script>alert(1)</script>" + "x" * (MAX_MESSAGE_LENGTH)
    response = client.post(URL_IT, form(message=hostile, email="not-an-email"))
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert Suggestion.objects.count() == 0


# The form posts to a view without Django's CSRF token (its cookie would follow every visitor):
# that view accepts a POST only when the browser says it was sent from a page of this site.
SITE = "http://testserver"


def send_url(lang: str) -> str:
    from django.urls import reverse

    from opencoop.pages.models import SuggestionPage

    page = SuggestionPage.objects.live().get(locale__language_code=lang)
    return reverse("suggestions:send", args=[page.pk])


@pytest.fixture
def browser_client():
    """A client that, like a browser without cookies, gets no pass on Django's CSRF check."""
    from django.test import Client

    return Client(enforce_csrf_checks=True)


def test_the_form_page_sets_no_cookie_and_posts_to_the_send_view(browser_client):
    response = browser_client.get(URL_EN)
    assert response.status_code == 200
    assert not response.cookies, f"cookies set: {list(response.cookies)}"
    assert "Set-Cookie" not in response.headers
    form_tag = BeautifulSoup(response.content, "html.parser").find("main").find("form")
    assert form_tag["action"] == send_url("en")
    assert form_tag.find("input", attrs={"name": "csrfmiddlewaretoken"}) is None


@pytest.mark.parametrize(
    "headers",
    [{"HTTP_ORIGIN": SITE}, {"HTTP_REFERER": SITE + URL_IT}],
    ids=["origin", "referer-only"],
)
def test_a_same_origin_post_without_a_cookie_is_stored(browser_client, headers):
    response = browser_client.post(send_url("it"), form(message="Più mappe, grazie."), **headers)
    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == URL_IT + "?sent=1"
    assert not response.cookies
    stored = Suggestion.objects.get()
    assert stored.message == "Più mappe, grazie."
    assert stored.language == "it"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"HTTP_ORIGIN": "https://elsewhere.example"}, "sent from another site"),
        ({"HTTP_ORIGIN": "null"}, "sent from another site"),
        ({"HTTP_ORIGIN": "https://testserver"}, "sent from another site"),
        ({"HTTP_REFERER": "https://elsewhere.example/page"}, "sent from another site"),
        ({}, "did not say which site"),
    ],
    ids=["other-site", "opaque", "other-scheme", "referer-other-site", "neither"],
)
def test_a_cross_origin_post_is_refused_with_a_clear_message(browser_client, headers, expected):
    response = browser_client.post(send_url("en"), form(message="Buy now"), **headers)
    assert response.status_code == 403
    assert not response.cookies
    summary = BeautifulSoup(response.content, "html.parser").find(id="error-summary")
    assert summary is not None
    assert expected in summary.get_text()
    assert SITE in summary.get_text()
    assert Suggestion.objects.count() == 0


def test_the_refusal_is_in_the_language_of_the_page(browser_client):
    response = browser_client.post(
        send_url("it"), form(message="x"), HTTP_ORIGIN="https://elsewhere.example"
    )
    assert response.status_code == 403
    assert response["Content-Language"] == "it"
    summary = BeautifulSoup(response.content, "html.parser").find(id="error-summary")
    assert "inviato da un altro sito" in summary.get_text()


def test_the_send_view_keeps_the_spam_traps(browser_client):
    trapped = form(message="Cheap pills", website="http://spam.example")
    response = browser_client.post(send_url("en"), trapped, HTTP_ORIGIN=SITE)
    assert response.status_code == 302
    assert Suggestion.objects.count() == 0
    too_fast = {TOKEN_FIELD: issue_form_token(), "message": "Quick"}
    response = browser_client.post(send_url("en"), too_fast, HTTP_ORIGIN=SITE)
    assert response.status_code == 200
    assert "sent too quickly" in response.content.decode()
    assert Suggestion.objects.count() == 0
