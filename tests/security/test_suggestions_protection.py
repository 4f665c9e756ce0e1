"""The suggestions form keeps robots and floods out without any third-party service."""

import time

import pytest
from bs4 import BeautifulSoup
from django.test import override_settings

from opencoop.suggestions.models import Suggestion
from opencoop.suggestions.protection import (
    HONEYPOT_FIELD,
    TOKEN_FIELD,
    form_token_problem,
    issue_form_token,
)

pytestmark = pytest.mark.django_db

URL = "/en/suggestions/"


def shown_form(client):
    """Load the form as a browser does and return the fields it would send back."""
    soup = BeautifulSoup(client.get(URL).content, "html.parser")
    form = soup.find("form", method="post")
    fields = {i["name"]: i.get("value", "") for i in form.find_all("input") if i.get("name")}
    return soup, fields


def errors_of(response) -> str:
    summary = BeautifulSoup(response.content, "html.parser").find(id="error-summary")
    return summary.get_text(" ", strip=True) if summary else ""


def test_the_form_carries_a_stamp_and_a_honeypot_hidden_from_people(client):
    soup, fields = shown_form(client)
    assert form_token_problem(fields[TOKEN_FIELD], now=time.time() + 10) == ""
    honeypot = soup.find("input", attrs={"name": HONEYPOT_FIELD})
    assert honeypot["value"] == ""
    assert honeypot.find_parent("div").has_attr("hidden")
    assert honeypot["tabindex"] == "-1"


def test_a_person_who_takes_a_few_seconds_gets_the_message_through(client, monkeypatch):
    _, fields = shown_form(client)
    later = time.time() + 5
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.post(URL, {**fields, "message": "A real suggestion."})
    assert response.status_code == 302
    assert Suggestion.objects.get().message == "A real suggestion."


def test_a_form_sent_at_once_is_refused_with_a_reason(client):
    _, fields = shown_form(client)
    response = client.post(URL, {**fields, "message": "Buy now"})
    assert response.status_code == 200
    assert "sent too quickly" in errors_of(response)
    assert Suggestion.objects.count() == 0


@pytest.mark.parametrize("token", ["", "123", issue_form_token(now=0)[:-2] + "xx"])
def test_a_missing_or_forged_stamp_is_refused(client, token):
    response = client.post(URL, {"message": "Buy now", TOKEN_FIELD: token})
    assert "not loaded from this site" in errors_of(response)
    assert Suggestion.objects.count() == 0


def test_a_stale_form_asks_for_a_reload(client):
    stale = issue_form_token(now=time.time() - 3 * 24 * 3600)
    response = client.post(URL, {"message": "Old", TOKEN_FIELD: stale})
    assert "open too long" in errors_of(response)


def test_a_filled_honeypot_looks_accepted_but_stores_nothing(client):
    stamp = issue_form_token(now=time.time() - 10)
    response = client.post(
        URL, {"message": "Cheap pills", HONEYPOT_FIELD: "http://spam.example", TOKEN_FIELD: stamp}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?sent=1")
    assert Suggestion.objects.count() == 0


@override_settings(OPENCOOP_SUGGESTIONS_PER_HOUR=3)
def test_one_address_may_send_only_so_many_per_hour(client):
    stamp = issue_form_token(now=time.time() - 10)
    for n in range(3):
        response = client.post(URL, {"message": f"Idea {n}", TOKEN_FIELD: stamp})
        assert response.status_code == 302
    response = client.post(URL, {"message": "One more idea", TOKEN_FIELD: stamp})
    assert response.status_code == 429
    assert "try again later" in errors_of(response)
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("textarea").get_text().strip() == "One more idea"
    assert Suggestion.objects.count() == 3
    # Another address is not affected.
    other = client.post(
        URL, {"message": "From elsewhere", TOKEN_FIELD: stamp}, REMOTE_ADDR="203.0.113.9"
    )
    assert other.status_code == 302
    assert Suggestion.objects.count() == 4


@override_settings(OPENCOOP_CLIENT_IP_HEADER="HTTP_X_REAL_IP", OPENCOOP_SUGGESTIONS_PER_HOUR=1)
def test_behind_a_proxy_the_limit_follows_the_forwarded_address(client):
    stamp = issue_form_token(now=time.time() - 10)
    first = client.post(URL, {"message": "a", TOKEN_FIELD: stamp}, HTTP_X_REAL_IP="198.51.100.1")
    second = client.post(URL, {"message": "b", TOKEN_FIELD: stamp}, HTTP_X_REAL_IP="198.51.100.2")
    third = client.post(URL, {"message": "c", TOKEN_FIELD: stamp}, HTTP_X_REAL_IP="198.51.100.1")
    assert (first.status_code, second.status_code, third.status_code) == (302, 302, 429)
