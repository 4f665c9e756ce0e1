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


def fresh_stamp() -> str:
    """Return the stamp of a form shown 10 s ago (each showing has its own, used once)."""
    return issue_form_token(now=time.time() - 10)


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


@pytest.mark.parametrize(
    "token", ["", "123", issue_form_token(now=0)[:-2] + "xx"], ids=["empty", "digits", "forged"]
)
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
    for n in range(3):
        response = client.post(URL, {"message": f"Idea {n}", TOKEN_FIELD: fresh_stamp()})
        assert response.status_code == 302
    response = client.post(URL, {"message": "One more idea", TOKEN_FIELD: fresh_stamp()})
    assert response.status_code == 429
    assert "try again later" in errors_of(response)
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("textarea").get_text().strip() == "One more idea"
    assert Suggestion.objects.count() == 3
    # Another address is not affected.
    other = client.post(
        URL, {"message": "From elsewhere", TOKEN_FIELD: fresh_stamp()}, REMOTE_ADDR="203.0.113.9"
    )
    assert other.status_code == 302
    assert Suggestion.objects.count() == 4


@override_settings(OPENCOOP_CLIENT_IP_HEADER="HTTP_X_REAL_IP", OPENCOOP_SUGGESTIONS_PER_HOUR=1)
def test_behind_a_proxy_the_limit_follows_the_forwarded_address(client):
    first = client.post(
        URL, {"message": "a", TOKEN_FIELD: fresh_stamp()}, HTTP_X_REAL_IP="198.51.100.1"
    )
    second = client.post(
        URL, {"message": "b", TOKEN_FIELD: fresh_stamp()}, HTTP_X_REAL_IP="198.51.100.2"
    )
    third = client.post(
        URL, {"message": "c", TOKEN_FIELD: fresh_stamp()}, HTTP_X_REAL_IP="198.51.100.1"
    )
    assert (first.status_code, second.status_code, third.status_code) == (302, 302, 429)


@override_settings(OPENCOOP_SUGGESTIONS_PER_HOUR=100)
def test_a_stamp_is_accepted_once_and_a_replay_is_refused_and_not_stored(client):
    stamp = fresh_stamp()
    first = client.post(URL, {"message": "A real suggestion.", TOKEN_FIELD: stamp})
    assert first.status_code == 302
    for _attempt in range(9):
        again = client.post(URL, {"message": "A real suggestion.", TOKEN_FIELD: stamp})
        assert again.status_code == 200
        assert "already been sent once" in errors_of(again)
    assert Suggestion.objects.count() == 1
    # The page that refused the replay carries a new stamp, which goes through.
    form = BeautifulSoup(again.content, "html.parser").find("form", method="post")
    renewed = form.find("input", attrs={"name": TOKEN_FIELD})["value"]
    assert renewed != stamp
    assert form_token_problem(renewed, now=time.time() + 10) == ""


def test_two_forms_shown_in_the_same_second_have_different_stamps():
    now = time.time() - 10
    assert issue_form_token(now=now) != issue_form_token(now=now)


def test_a_form_refused_for_another_reason_keeps_its_stamp_usable(client):
    stamp = fresh_stamp()
    empty = client.post(URL, {"message": "  ", TOKEN_FIELD: stamp})
    assert "message is empty" in errors_of(empty)
    assert client.post(URL, {"message": "Now written.", TOKEN_FIELD: stamp}).status_code == 302


@override_settings(OPENCOOP_SUGGESTIONS_MAX_AGE=60)
def test_used_stamps_are_kept_only_while_they_could_be_accepted(client):
    from opencoop.suggestions.models import UsedFormToken
    from opencoop.suggestions.protection import claim_form_token

    old = issue_form_token(now=time.time() - 3600)
    assert claim_form_token(old, now=time.time() - 3590)
    assert UsedFormToken.objects.count() == 1
    new = fresh_stamp()
    assert claim_form_token(new)
    assert not claim_form_token(new)
    # The hour-old stamp's row was pruned; only a hash of the new one is kept.
    assert [row.digest for row in UsedFormToken.objects.all()] != [new]
    assert UsedFormToken.objects.count() == 1
