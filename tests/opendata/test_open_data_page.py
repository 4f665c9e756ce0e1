"""Tests of the Open data page: every file and address, the data dictionary and the licence."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache, caches

from opencoop.core.models import LICENCES
from opencoop.opendata.crs import crs_rows, years_with_rows
from opencoop.opendata.downloads import COLUMNS
from opencoop.opendata.models import OpenDataPage
from tests.factories import make_activity, make_full_activity, make_reporting_org

from ..conftest import SECTION_EN, SECTION_IT

# Records of several authorities on the demo's site, as on an atlas (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_authority")]

PAGE_IT = SECTION_IT + "dati-aperti/"
PAGE_EN = SECTION_EN + "open-data/"
FLORENCE = "IT-CF-01307110484"


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """The page shows the files' last check, kept in the cache: start each test afresh, with
    the jobs worker's checks run at once (``jobs_later`` keeps them queued)."""
    settings.TASKS = {**settings.TASKS, "jobs": {"BACKEND": IMMEDIATE}}
    cache.clear()
    caches["jobs"].clear()
    yield
    cache.clear()
    caches["jobs"].clear()


IMMEDIATE = "django_tasks.backends.immediate.ImmediateBackend"


@pytest.fixture
def jobs_later(settings):
    """Jobs go to the database, as in production, until a worker takes them."""
    settings.TASKS = {**settings.TASKS, "jobs": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


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
    assert years_with_rows(prova) == (2024,)

    # The demo's activities lack what IATI requires: no activity file, only the organisation's.
    florence = hrefs(by_identifier[FLORENCE], "td:nth-of-type(1) a")
    assert florence == [f"/opendata/iati/{FLORENCE}/organisation.xml"]
    assert "No activity has every element IATI requires yet." in by_identifier[FLORENCE].get_text()


def test_authority_without_amounts_has_no_crs_year(client):
    prova = make_reporting_org()
    make_activity(prova, "BARE")
    assert years_with_rows(prova) == ()
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


def test_files_not_yet_checked_say_so_and_are_checked_once_by_the_jobs_worker(client, jobs_later):
    from django_tasks_db.models import DBTaskResult

    from opencoop.opendata.tasks import check_authority_files
    from opencoop.organisations.models import Organisation

    prova = make_reporting_org()
    make_full_activity(prova)

    def prova_row():
        soup = soup_of(client, PAGE_EN)
        return next(
            row
            for row in soup.select(".oc-authority-files tbody tr")
            if prova.identifier in row.get_text()
        )

    row = prova_row()
    assert "The files are being checked: come back in a few minutes." in row.get_text()
    assert "no-cache" in client.get(PAGE_EN)["Cache-Control"]  # not kept by the page cache
    assert hrefs(row, "td:nth-of-type(1) a") == [
        f"/opendata/iati/{prova.identifier}/organisation.xml"
    ]
    assert hrefs(row, "td:nth-of-type(2) a") == []
    prova_row()  # asked again before the worker ran: not queued twice
    queued = DBTaskResult.objects.filter(task_path__endswith="check_authority_files")
    assert [task.args_kwargs["args"] for task in queued].count([prova.pk]) == 1

    check_authority_files.call(prova.pk)  # what the worker does with it

    check_authority_files.call(Organisation.objects.get(identifier=FLORENCE).pk)
    assert "no-cache" not in client.get(PAGE_EN).get("Cache-Control", "")
    row = prova_row()
    assert "being checked" not in row.get_text()
    assert "Files checked" in row.select_one(".oc-checked-at").get_text()
    assert f"/opendata/iati/{prova.identifier}/activities.xml" in hrefs(row, "td:nth-of-type(1) a")
    assert [urlsplit(url).path for url in hrefs(row, "td:nth-of-type(2) a")] == [
        f"/opendata/crs/{prova.identifier}/2024.csv"
    ]


def test_an_outdated_check_is_shown_while_the_worker_makes_a_new_one(client, jobs_later):
    import dataclasses
    import datetime

    from django_tasks_db.models import DBTaskResult

    from opencoop.opendata import files

    prova = make_reporting_org()
    make_full_activity(prova)
    check = files.check_files(prova)
    old = dataclasses.replace(
        check,
        checked_at=check.checked_at - datetime.timedelta(seconds=files.FILE_CHECK_SECONDS + 1),
    )
    caches["jobs"].set(files._key(prova.pk), old)

    assert files.kept_check(prova) == old
    queued = DBTaskResult.objects.filter(task_path__endswith="check_authority_files")
    assert [task.args_kwargs["args"] for task in queued] == [[prova.pk]]
    assert files.kept_check(prova) == old
    assert queued.count() == 1  # once until the worker has made it


def test_the_crs_years_are_those_whose_file_has_rows():
    prova = make_reporting_org()
    activity = make_full_activity(prova)
    candidates = {row.date.year for row in activity.transactions.all()} | {2019, 2030}
    with_rows = tuple(
        sorted((y for y in candidates if next(crs_rows(prova, y), None) is not None), reverse=True)
    )
    assert with_rows and years_with_rows(prova) == with_rows
