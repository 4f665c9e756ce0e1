"""Error pages: never a stack trace, the visitor's language, 503 while the database is away."""

import json
import logging

import pytest
from bs4 import BeautifulSoup
from django.db import InterfaceError, OperationalError
from django.test import Client
from wagtail.models import Site

from opencoop.operations.logs import JsonFormatter, RequestIdFilter
from tests.conftest import SECTION_EN, SECTION_IT

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log():
    """Collect what the site logs, formatted as in production."""
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Collect()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield records
    root.removeHandler(handler)


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


@pytest.mark.parametrize(
    ("url", "lang", "heading"),
    [("/en/no-such-page/", "en", "Page not found"), (SECTION_IT + "nessuna/", "it", None)],
)
def test_not_found_speaks_the_language_of_the_address(client, url, lang, heading):
    response = client.get(url)
    assert response.status_code == 404
    soup = soup_of(response)
    assert soup.html["lang"] == lang
    sections = soup.select("main section[lang]")
    assert [s["lang"] for s in sections] == [lang]
    if heading:
        assert soup.find("h1").get_text() == heading
    assert soup.find("a", href=f"/{lang}/") is not None


def test_not_found_outside_the_language_prefix_speaks_both(client):
    response = client.get("/documents/999999/missing.pdf")
    assert response.status_code == 404
    langs = [s["lang"] for s in soup_of(response).select("main section[lang]")]
    assert langs == ["it", "en"]


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_database_outage_gives_the_friendly_503(client, monkeypatch, json_log, error):
    def gone(*args, **kwargs):
        raise error("could not connect to server: Connection refused")

    monkeypatch.setattr(Site, "find_for_request", gone)
    response = client.get(SECTION_EN)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    soup = soup_of(response)
    assert soup.find("h1").get_text() == "Temporarily unavailable"
    body = response.content.decode()
    assert "Traceback" not in body and "Connection refused" not in body
    request_id = response["X-Request-ID"]
    assert request_id in soup.get_text()
    logged = [json.loads(line) for line in json_log]
    outage = [e for e in logged if e["message"].startswith("Database unavailable")]
    assert outage and outage[0]["request_id"] == request_id
    assert "Connection refused" in outage[0]["exception"]
    # And once the database is back, the same page answers again.
    monkeypatch.undo()
    assert client.get(SECTION_EN).status_code == 200


def test_an_outage_outside_the_view_is_a_503_too(monkeypatch, json_log):
    # Raised by a middleware (after the view's handling), it reaches handler500.
    from django.contrib.sessions.backends.db import SessionStore

    def gone(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionStore, "load", gone)
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "x" * 32
    response = client.get("/admin/")
    assert response.status_code == 503
    assert "Temporarily unavailable" in response.content.decode()
    assert "server closed" not in response.content.decode()


def test_an_unexpected_error_shows_no_trace_and_is_logged_with_the_request_id(
    monkeypatch, json_log
):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("secret internals")

    monkeypatch.setattr(Site, "find_for_request", broken)
    client = Client(raise_request_exception=False)
    response = client.get(SECTION_EN)
    assert response.status_code == 500
    body = response.content.decode()
    assert "secret internals" not in body and "Traceback" not in body
    assert soup_of(response).find("h1").get_text() == "Something went wrong"
    logged = [json.loads(line) for line in json_log]
    errors = [e for e in logged if e["level"] == "ERROR"]
    assert errors and errors[0]["request_id"] == response["X-Request-ID"]
    assert "ZeroDivisionError: secret internals" in errors[0]["exception"]
    assert errors[0]["status_code"] == 500
