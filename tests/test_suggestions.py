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
