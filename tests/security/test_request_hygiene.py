"""NUL bytes and broken UTF-8 in a path, a query or a form get a 400 in the endpoint's format.

On PostgreSQL a NUL reaching a query was a 500 (``text fields cannot contain NUL``); on SQLite
the same requests gave 404, 302 or 200. Either way the visitor now gets a 400 that says why.
"""

import json
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup
from wagtail.models import Page

from opencoop.suggestions.models import Suggestion
from tests.conftest import SECTION_EN

pytestmark = pytest.mark.django_db

CATALOGUE = SECTION_EN + "catalogue/"
FORM = "application/x-www-form-urlencoded"


def lead(response) -> str:
    """Return the error page's messages (one per language when the address has none)."""
    soup = BeautifulSoup(response.content, "html.parser")
    return " ".join(p.get_text() for p in soup.find_all("p", class_="lead"))


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/activities/%00",
        "/api/v1/activities/%ff",
        "/api/v1/activities?q=%00",
        "/api/v1/activities/?q=%ff",
        "/api/v1/activities?q=caff%E8",  # Latin-1, not UTF-8
    ],
)
def test_the_api_answers_400_in_json(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert "NUL" in body["detail"]
    assert body["errors"] == [body["detail"]]
    if "?" in url:
        assert "parametro “q”" in body["detail"]


@pytest.mark.parametrize(
    ("url", "part"),
    [
        ("/it/%00/", "nel percorso"),
        ("/it/%ff/", "nel percorso"),
        ("/en/%00", "in its path"),
        (CATALOGUE + "?q=%00", "in its parameter “q”"),
        (CATALOGUE + "?q=%ff", "in its parameter “q”"),
        (CATALOGUE + "?country=BR&q=a%00b", "in its parameter “q”"),
        (CATALOGUE + "?%00=1", "in its parameter “?”"),
    ],
)
def test_pages_answer_400_with_the_sites_error_page(client, url, part):
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert part in lead(response)


@pytest.mark.parametrize(
    "url", ["/it/caff%C3%A8/", CATALOGUE + "?q=caff%C3%A8", "/api/v1/activities?q=caff%C3%A8"]
)
def test_valid_utf8_is_not_refused(client, url):
    assert client.get(url).status_code in (200, 404)


@pytest.mark.parametrize(
    ("url", "content_type"),
    [
        ("/opendata/catalogue/activities.csv?lang=en&q=water%00", "text/plain"),
        ("/opendata/catalogue/activities.json?lang=en&q=water%ff", "application/json"),
        ("/geography/all/map.json?lang=en&x=%00", "application/json"),
    ],
)
def test_files_answer_400_in_their_own_format_and_language(client, url, content_type):
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith(content_type)
    text = response.content.decode()
    if content_type == "application/json":
        text = json.loads(text)["detail"]
    assert "(a NUL byte or a byte that is not UTF-8) in its parameter “" in text


def suggestion_page_id() -> int:
    return Page.objects.get(slug="suggestions", locale__language_code="en").id


@pytest.mark.parametrize("message", ["Hello%00world", "caff%E8", "%ff"])
def test_a_form_with_a_nul_or_broken_utf8_is_refused_and_nothing_is_stored(client, message):
    body = urlencode({"page_url": "", "email": ""}) + "&message=" + message
    for url in (f"/suggestions/{suggestion_page_id()}/send/", "/en/suggestions/"):
        response = client.post(url, body, content_type=FORM, HTTP_ORIGIN="http://testserver")
        assert response.status_code == 400, url
        assert "in its field “message”: remove it from the text" in lead(response)
    assert Suggestion.objects.count() == 0
