"""One parser for the catalogue's filters: the page, the downloads, the API and the feeds agree.

The same query gives the same activities in every output; a value not understood is named, with
its parameter, in each output's one error shape: a message on the page (the other filters still
applied), a 400 with {"detail", "errors"} in JSON, a 400 in plain text in files and feeds.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from bs4 import BeautifulSoup
from lxml import etree

from opencoop.catalogue.filters import FILTERS, QUERY_PARAMETERS
from opencoop.opendata.api import api

from .conftest import CATALOGUE_EN, soup_of

# Records of several authorities on the demo's site, as on an atlas (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_authority")]

CSV_URL = "/opendata/catalogue/activities.csv"
JSON_URL = "/opendata/catalogue/activities.json"
METADATA_URL = "/opendata/catalogue/metadata.json"
API_URL = "/api/v1/activities"
FEED_URL = "/opendata/feeds/activities.atom"
ATOM = "{http://www.w3.org/2005/Atom}"


def content(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def page_titles(client, query: str) -> list[str]:
    soup = soup_of(client, f"{CATALOGUE_EN}?{query}")
    return [h.get_text(" ", strip=True) for h in soup.select("ul.oc-results .it-card-title")]


def csv_titles(client, query: str) -> list[str]:
    response = client.get(f"{CSV_URL}?{query}&lang=en")
    assert response.status_code == 200, content(response)
    return [row["title"] for row in csv.DictReader(io.StringIO(content(response).decode()))]


def json_titles(client, query: str) -> list[str]:
    response = client.get(f"{JSON_URL}?{query}&lang=en")
    assert response.status_code == 200, content(response)
    return [activity["title"] for activity in json.loads(content(response))["activities"]]


def api_titles(client, query: str) -> list[str]:
    response = client.get(f"{API_URL}?{query}&lang=en&page_size=100")
    assert response.status_code == 200, response.content
    return [activity["title"]["en"] for activity in response.json()["results"]]


def feed_titles(client, query: str) -> list[str]:
    response = client.get(f"{FEED_URL}?{query}&lang=en")
    assert response.status_code == 200, response.content
    feed = etree.fromstring(response.content)
    return [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]


QUERIES = [
    "",
    "country=SN",
    "country=sn&country=PS&sort=title",
    "sector_group=151",
    "year=2016&sdg=5",
    "region=002&marker=1",
    "partner=rising-sun-cooperative",
    "q=water",
    "status=2&status=4&sort=-end",
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_same_query_gives_the_same_activities_everywhere(client, catalogue_data, query):
    query = f"org={catalogue_data[0].reporting_org.slug}&{query}".rstrip("&")
    on_page = page_titles(client, query)
    assert on_page, "each query matches some activities"
    assert csv_titles(client, query) == on_page
    assert json_titles(client, query) == on_page
    assert api_titles(client, query) == on_page
    # The feed lists the newest publications first: the same activities, in its own order.
    assert sorted(feed_titles(client, query)) == sorted(on_page)


def test_a_bad_value_is_named_on_the_page_and_the_other_filters_still_apply(client, catalogue_data):
    org = catalogue_data[0].reporting_org.slug
    soup = soup_of(client, f"{CATALOGUE_EN}?org={org}&country=ZZ&year=2016")
    alert = soup.find(id="filter-messages").get_text(" ", strip=True)
    assert "Filter “Country” (country): “ZZ” is not a known value, so it was ignored." in alert
    titles = [h.get_text(" ", strip=True) for h in soup.select("ul.oc-results .it-card-title")]
    assert titles == page_titles(client, f"org={org}&year=2016")
    assert titles == ["Cooperation among the craftswomen of Dakar"]


BAD = {
    "country=ZZ": "Filter “Country” (country): “ZZ” is not a known value.",
    "year=20x6": "Filter “Active in” (year): “20x6” is not a known value.",
    "sort=price": "Sort order (sort): “price” is not known; use one of: relevance, title, "
    "-start, start, -end, end.",
    "q=a%01b": "Search words (q): control characters are not allowed.",
}


@pytest.mark.parametrize(("query", "message"), BAD.items())
def test_a_bad_value_gets_each_outputs_one_error_shape(client, catalogue_data, query, message):
    expected = {"detail": "Some parameters are not valid.", "errors": [message]}
    for url in (JSON_URL, METADATA_URL, API_URL):
        response = client.get(f"{url}?{query}&lang=en")
        assert response.status_code == 400, url
        assert response["Content-Type"].startswith("application/json"), url
        assert json.loads(content(response)) == expected, url
    for url in (CSV_URL, "/opendata/catalogue/activities.xlsx", FEED_URL):
        response = client.get(f"{url}?{query}&lang=en")
        assert response.status_code == 400, url
        assert response["Content-Type"] == "text/plain; charset=utf-8", url
        assert content(response).decode().splitlines() == [
            "The request was not understood:",
            message,
        ], url


def test_lang_is_checked_once_with_one_message(client, catalogue_data):
    # In the default language (Italian), since the language asked is not one of the portal's.
    message = "Lingua “xx” (lang): non è una lingua del portale; usarne una tra: it, en."
    for url in (API_URL, "/api/v1/organisations", "/api/v1/organisations/florence", JSON_URL):
        response = client.get(f"{url}?lang=xx")
        assert response.status_code == 400, url
        assert json.loads(content(response))["errors"] == [message], url
    for url in (CSV_URL, FEED_URL, "/opendata/feeds/initiatives.rss"):
        response = client.get(f"{url}?lang=xx")
        assert response.status_code == 400, url
        assert message in content(response).decode(), url


def test_every_problem_is_named_at_once_in_the_language_asked(client, catalogue_data):
    response = client.get(f"{API_URL}?country=ZZ&sdg=99&page=zero&lang=it")
    assert response.json() == {
        "detail": "Alcuni parametri non sono validi.",
        "errors": [
            "Filtro “Paese” (country): “ZZ” non è un valore conosciuto.",
            "Filtro “Obiettivo di sviluppo sostenibile” (sdg): “99” non è un valore conosciuto.",
            "Pagina (page): “zero” non è un numero di pagina.",
        ],
    }


def test_at_most_fifty_values_of_a_filter_empty_ones_counted_as_the_description_says(
    client, catalogue_data
):
    """The API's description gives each filter ``maxItems``, which counts every item sent:
    the parser counts them alike, empty ones included (a schema fuzzer found 70 values, half of
    them empty, answered 200)."""
    limit = "Filtro “Paese” (country): al massimo 50 valori."
    codes = ["BF", "SN", "ML", "NE", "MA"] * 10
    allowed = client.get(f"{API_URL}?{'&'.join(f'country={c}' for c in codes)}&lang=it")
    assert allowed.status_code == 200, allowed.content
    sent = [*codes[:49], "", ""]
    refused = client.get(f"{API_URL}?{'&'.join(f'country={c}' for c in sent)}&lang=it")
    assert refused.status_code == 400
    assert refused.json()["errors"] == [limit]


def test_the_apis_description_lists_the_declared_parameters():
    operation = api.get_openapi_schema()["paths"]["/api/v1/activities"]["get"]
    parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert set(parameters) == {*QUERY_PARAMETERS, "lang", "page_size", "cursor"}
    # Each value is one of the declared ones, or empty (no filter).
    empty = {"type": "string", "maxLength": 0}
    assert parameters["country"]["items"]["anyOf"] == [FILTERS["country"].item(), empty]
    assert parameters["year"]["items"]["anyOf"] == [
        {"type": "integer", "minimum": 1950, "maximum": 2100},
        empty,
    ]


def test_the_page_form_offers_only_declared_parameters(client, catalogue_data):
    soup = BeautifulSoup(client.get(CATALOGUE_EN).content, "html.parser")
    form = soup.find("form", attrs={"role": "search"}) or soup.find("form")
    names = {field["name"] for field in form.find_all(["input", "select"]) if field.get("name")}
    assert names and names <= set(QUERY_PARAMETERS)
