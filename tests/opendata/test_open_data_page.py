"""Tests of the Open data page: every file and address, the data dictionary and the licence."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache

from opencoop.core.models import LICENCES
from opencoop.opendata.downloads import COLUMNS
from opencoop.opendata.models import OpenDataPage, crs_years
from tests.factories import make_activity, make_full_activity, make_reporting_org

from ..conftest import SECTION_EN, SECTION_IT

# Records of several authorities on the demo's site, as on an atlas (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_authority")]

PAGE_IT = SECTION_IT + "dati-aperti/"
PAGE_EN = SECTION_EN + "open-data/"
FLORENCE = "IT-CF-01307110484"


@pytest.fixture(autouse=True)
def fresh_cache():
    """The page keeps whether an IATI file exists for a few minutes: start each test afresh."""
    cache.clear()
    yield
    cache.clear()


def soup_of(client, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.content, "html.parser")


def hrefs(soup: BeautifulSoup, selector: str) -> list[str]:
    return [a["href"] for a in soup.select(selector)]


def test_page_exists_in_both_languages_under_the_section():
    pages = OpenDataPage.objects.live()
    assert sorted(page.url for page in pages) == sorted([PAGE_EN, PAGE_IT])
    italian = pages.get(locale__language_code="it")
    assert italian.title == "Dati aperti"
    assert italian.get_parent().url == SECTION_IT
    assert pages.get(locale__language_code="en").translation_key == italian.translation_key


def test_lists_every_download_api_and_feed_address_and_each_answers(client):
    soup = soup_of(client, PAGE_EN)
    downloads = hrefs(soup, ".oc-downloads a")
    assert downloads == [
        "/opendata/catalogue/activities.csv?lang=en",
        "/opendata/catalogue/activities.xlsx?lang=en",
        "/opendata/catalogue/activities.json?lang=en",
        "/opendata/catalogue/metadata.json?lang=en",
    ]
    api = hrefs(soup, ".oc-api-links a")
    assert api == ["/api/v1/docs", "/api/v1/openapi.json"]
    examples = hrefs(soup, ".oc-api-examples a")
    assert "/api/v1/activities?country=BF&page_size=10" in examples
    feeds = hrefs(soup, ".oc-feeds a")
    assert feeds == [
        "/opendata/feeds/activities.atom?lang=en",
        "/opendata/feeds/activities.rss?lang=en",
        "/opendata/feeds/initiatives.atom?lang=en",
        "/opendata/feeds/initiatives.rss?lang=en",
    ]
    assert "/sitemap.xml" in hrefs(soup, "#feeds a")
    for url in [*downloads, *api, *examples, *feeds, "/sitemap.xml"]:
        response = client.get(url)
        assert response.status_code == 200, url


def test_italian_page_links_italian_files(client):
    soup = soup_of(client, PAGE_IT)
    assert soup.find("h1").get_text() == "Dati aperti"
    assert all(href.endswith("lang=it") for href in hrefs(soup, ".oc-downloads a, .oc-feeds a"))


def test_iati_and_crs_files_of_each_reporting_authority(client):
    prova = make_reporting_org()
    make_full_activity(prova)
    soup = soup_of(client, PAGE_EN)
    rows = soup.select(".oc-authority-files tbody tr")
    by_identifier = {row.select_one("th .font-monospace").get_text(): row for row in rows}
    assert set(by_identifier) == {FLORENCE, prova.identifier}

    row = by_identifier[prova.identifier]
    files = hrefs(row, "td:nth-of-type(1) a")
    assert files == [
        f"/opendata/iati/{prova.identifier}/activities.xml",
        f"/opendata/iati/{prova.identifier}/organisation.xml",
    ]
    for url in files:
        assert client.get(url).status_code == 200, url
    crs = hrefs(row, "td:nth-of-type(2) a")
    # 2025 has only a budget: its CRS file would hold no row, so it is not linked.
    assert [urlsplit(url).path for url in crs] == [f"/opendata/crs/{prova.identifier}/2024.csv"]
    assert crs_years(prova) == [2024]

    # The demo's activities lack what IATI requires: no activity file, only the organisation's.
    florence = hrefs(by_identifier[FLORENCE], "td:nth-of-type(1) a")
    assert florence == [f"/opendata/iati/{FLORENCE}/organisation.xml"]
    assert "No activity has every element IATI requires yet." in by_identifier[FLORENCE].get_text()


def test_authority_without_amounts_has_no_crs_year(client):
    prova = make_reporting_org()
    make_activity(prova, "BARE")
    assert crs_years(prova) == []
    soup = soup_of(client, PAGE_EN)
    row = next(
        row
        for row in soup.select(".oc-authority-files tbody tr")
        if prova.identifier in row.get_text()
    )
    assert "No year with amounts yet." in row.get_text()


def test_data_dictionary_lists_every_column_of_the_downloads(client):
    soup = soup_of(client, PAGE_EN)
    rows = soup.select(".oc-data-dictionary tbody tr")
    assert [row.select_one("code").get_text() for row in rows] == [c.key for c in COLUMNS]
    partners = rows[[c.key for c in COLUMNS].index("partners")]
    assert "a local partner" in partners.get_text()


def test_licence_is_stated_with_its_address(client):
    soup = soup_of(client, PAGE_EN)
    licence = soup.select_one(".oc-licence")
    name, url = LICENCES["cc-by-4.0"]
    assert str(name) in licence.get_text()
    assert licence.find("a", rel="license")["href"] == url


def test_page_loads_nothing_from_other_sites(client):
    response = client.get(PAGE_EN)
    soup = BeautifulSoup(response.content, "html.parser")
    loaded = [tag["src"] for tag in soup.find_all(["script", "img"]) if tag.get("src")]
    loaded += [tag["href"] for tag in soup.find_all("link") if "stylesheet" in tag.get("rel", [])]
    assert loaded
    assert all(not urlsplit(address).netloc for address in loaded)
    assert not soup.find_all("script", src=False)
    assert not soup.select("[style]")
    assert "Set-Cookie" not in response


def test_no_crs_link_leads_to_a_file_of_headers_only(client):
    # Florence's plans name 2009–2013 but no commitment or payment: no CRS file has rows.
    soup = soup_of(client, PAGE_EN)
    for link in soup.select(".oc-authority-files td:nth-of-type(2) a"):
        lines = client.get(link["href"]).content.decode("utf-8-sig").strip().splitlines()
        assert len(lines) > 1, link["href"]
    florence = next(
        row for row in soup.select(".oc-authority-files tbody tr") if FLORENCE in row.get_text()
    )
    assert florence.select("td:nth-of-type(2) a") == []


@pytest.mark.parametrize(
    "url, heading, reason",
    [
        (
            PAGE_EN,
            "Municipality of Florence: 13 projects left out of the IATI activity file",
            "the activity status is missing",
        ),
        (
            PAGE_IT,
            "Comune di Firenze: 13 progetti esclusi dal file IATI delle attività",
            "manca lo stato dell'attività",
        ),
    ],
)
def test_page_names_the_projects_left_out_of_the_iati_file_and_why(client, url, heading, reason):
    section = soup_of(client, url).select_one(".oc-left-out")
    assert " ".join(section.find("h3").get_text().split()) == heading
    items = section.select("li")
    assert len(items) == 13
    agata = next(item.get_text() for item in items if "AGATA-SMERALDA" in item.get_text())
    assert reason in agata
