"""The catalogue for people on phones and keyboards: chips, collapsed facets, the live heading,
result cards and "Download this list"."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import etree
from openpyxl import load_workbook

from opencoop.catalogue.filters import CatalogueFilters
from opencoop.catalogue.selectors import catalogue_facets, filter_activities
from tests.factories import make_full_activity, make_reporting_org
from tests.opendata.conftest import schema_errors

from .conftest import CATALOGUE_EN, CATALOGUE_IT, soup_of

# Records of several authorities on the demo's site, as on an atlas (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_authority")]

PRINT_SCSS = Path(__file__).resolve().parents[2] / "frontend" / "scss" / "_print.scss"


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def card_titles(soup) -> list[str]:
    return [h.get_text(" ", strip=True) for h in soup.select("ul.oc-results .it-card-title")]


def test_one_chip_per_active_value_each_removing_only_it(client, catalogue_data):
    soup = soup_of(client, CATALOGUE_EN + "?country=SN&country=ML&status=2&q=water")
    chips = soup.select(".oc-active-filters a.chip")
    assert [(chip["data-param"]) for chip in chips] == ["q", "status", "country", "country"]
    expected = {
        "q": {"country": ["SN", "ML"], "status": ["2"]},
        "status": {"q": ["water"], "country": ["SN", "ML"]},
    }
    assert query_of(chips[0]["href"]) == expected["q"]
    assert query_of(chips[1]["href"]) == expected["status"]
    assert query_of(chips[2]["href"]) == {"q": ["water"], "status": ["2"], "country": ["ML"]}
    assert query_of(chips[3]["href"]) == {"q": ["water"], "status": ["2"], "country": ["SN"]}
    for chip in chips:
        assert urlsplit(chip["href"]).path == CATALOGUE_EN


def test_facets_show_their_top_values_and_keep_the_rest_in_a_details(client, catalogue_data):
    soup = soup_of(client, CATALOGUE_EN)
    facets = {f.param: f for f in catalogue_facets(CatalogueFilters(), lang="en")}
    country = soup.select_one("fieldset#facet-country")
    assert len(facets["country"].values) > 5, "the demo and fixtures have many countries"
    top = [i["value"] for i in country.select(":scope > .form-check input")]
    rest = [i["value"] for i in country.select("details.oc-facet-more input")]
    assert top == [v.value for v in facets["country"].values[:5]]
    # Without JavaScript every value is in the page, the others behind a closed <details>.
    assert top + rest == [v.value for v in facets["country"].values]
    assert country.select_one("details.oc-facet-more").get("open") is None
    assert (
        country.select_one("details summary")
        .get_text(" ", strip=True)
        .startswith(f"Show {len(rest)} more")
    )


def test_a_selected_value_stays_in_sight_beyond_the_top_values(client, catalogue_data):
    facets = {f.param: f for f in catalogue_facets(CatalogueFilters(), lang="en")}
    last = facets["country"].values[-1].value
    soup = soup_of(client, CATALOGUE_EN + f"?country={last}")
    country = soup.select_one("fieldset#facet-country")
    shown = [i["value"] for i in country.select(":scope > .form-check input")]
    assert last in shown
    assert last not in [i["value"] for i in country.select("details input")]


def test_long_facets_offer_a_filter_within_box(client, catalogue_data):
    soup = soup_of(client, CATALOGUE_EN)
    facets = {f.param: f for f in catalogue_facets(CatalogueFilters(), lang="en")}
    for param, facet in facets.items():
        fieldset = soup.select_one(f"fieldset#facet-{param}")
        if fieldset is None:
            continue
        assert fieldset.has_attr("data-oc-facet-filter") == (len(facet.values) > 10), param


def test_heading_announces_the_count_and_the_filters(client, catalogue_data):
    expected = filter_activities(CatalogueFilters(country=("SN",))).count()
    assert expected == 2
    soup = soup_of(client, CATALOGUE_EN + "?country=SN")
    heading = soup.select_one("h2#results-heading")
    assert heading["aria-live"] == "polite"
    text = heading.get_text(" ", strip=True)
    assert text.startswith(f"{expected} projects found")
    assert "Country Senegal" in text


def test_skip_link_and_an_apply_control_before_the_facets(client, catalogue_data):
    soup = soup_of(client, CATALOGUE_EN)
    skip = soup.select(".skiplinks a")
    assert "#results-heading" in [a["href"] for a in skip]
    assert soup.select_one("#results-heading") is not None
    form = soup.select_one("form.oc-catalogue")
    buttons = form.find_all(["button", "fieldset"])
    # An "Apply filters" button comes before the first facet, in the first screen.
    first_facet = next(i for i, b in enumerate(buttons) if b.name == "fieldset")
    applies = [i for i, b in enumerate(buttons) if b.get_text(strip=True) == "Apply filters"]
    assert applies and applies[0] < first_facet


def test_card_shows_authority_countries_years_status_and_total(client):
    org = make_reporting_org()
    activity = make_full_activity(org)
    soup = soup_of(client, CATALOGUE_EN + f"?org={org.slug}&country=NE")
    cards = soup.select("ul.oc-results article")
    assert len(cards) == 1
    card = cards[0]
    assert card.select_one(".oc-authority").get_text(strip=True) == org.name["en"]
    countries = card.select_one(".oc-countries")
    assert " ".join(countries.get_text().split()) == "Burkina Faso, Niger"
    assert [a["href"] for a in countries.find_all("a")] == [
        "/en/countries/bf/",
        "/en/countries/ne/",
    ]
    dates = [t["datetime"] for t in card.select("time")]
    assert dates == [str(activity.start_date), str(activity.end_date)]
    assert "Implementation" in card.get_text(" ", strip=True)
    assert card.select_one(".oc-total").get_text(" ", strip=True) == "90,000.00 EUR"


def test_card_total_in_italian(client):
    org = make_reporting_org()
    make_full_activity(org)
    soup = soup_of(client, CATALOGUE_IT + f"?org={org.slug}&country=NE")
    assert soup.select_one(".oc-total").get_text(" ", strip=True) == "90.000,00 EUR"


def download_links(soup) -> dict[str, str]:
    return {a["data-oc-download"]: a["href"] for a in soup.select(".oc-downloads a")}


def test_download_links_and_the_feed_carry_the_filters(client, catalogue_data):
    soup = soup_of(client, CATALOGUE_EN + "?country=SN&status=2&sort=title&page=1")
    links = download_links(soup)
    assert set(links) == {"csv", "csv_excel_it", "xlsx", "json", "iati", "atom"}
    for name, url in links.items():
        query = query_of(url)
        assert query["country"] == ["SN"], name
        assert query["status"] == ["2"], name
        assert query["lang"] == ["en"], name
        assert "page" not in query
    assert query_of(links["csv_excel_it"])["dialect"] == ["excel-it"]
    feed = soup.find("link", rel="alternate", type="application/atom+xml")
    assert query_of(feed["href"]) == query_of(links["atom"])


def test_each_download_returns_the_rows_of_the_page(client, catalogue_data):
    soup = soup_of(client, CATALOGUE_EN + "?country=SN&sort=title")
    page_titles = card_titles(soup)
    assert len(page_titles) == 2
    links = download_links(soup)

    rows = list(csv.DictReader(io.StringIO(body(client.get(links["csv"])).decode("utf-8"))))
    assert [row["title"] for row in rows] == page_titles
    italian = body(client.get(links["csv_excel_it"])).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(italian), delimiter=";"))
    assert [row["title"] for row in rows] == page_titles
    document = json.loads(body(client.get(links["json"])))
    assert [item["title"] for item in document["activities"]] == page_titles
    book = load_workbook(io.BytesIO(body(client.get(links["xlsx"]))), read_only=True)
    sheet = list(book.worksheets[0].iter_rows(values_only=True))
    title_column = sheet[0].index("title")
    assert [row[title_column] for row in sheet[1:]] == page_titles
    feed = body(client.get(links["atom"])).decode("utf-8")
    feed_titles = re.findall(r"<entry><title>([^<]*)</title>", feed)
    assert sorted(feed_titles) == sorted(page_titles)
    # The IATI file lists the same activities, in identifier order, and is valid IATI 2.03.
    iati = client.get(links["iati"])
    assert iati.status_code == 200
    document = body(iati)
    assert schema_errors(document) == []
    root = etree.fromstring(document)
    iati_titles = root.xpath("iati-activity/title/narrative[@xml:lang='en']/text()")
    assert sorted(iati_titles) == sorted(page_titles)


def test_print_stylesheet_hides_the_facets():
    source = PRINT_SCSS.read_text(encoding="utf-8")
    media = source[source.index("@media print") :]
    hidden = media[: media.index("display: none !important;")]
    for selector in (".oc-facets", ".oc-active-filters", ".oc-catalogue-apply"):
        assert selector in hidden, selector


def test_a_long_facet_lists_its_first_values_and_the_rest_on_asking(
    client, catalogue_data, monkeypatch
):
    monkeypatch.setattr("opencoop.catalogue.presentation.FACET_LISTED", 7)
    values = [
        v.value
        for v in {f.param: f for f in catalogue_facets(CatalogueFilters(), lang="en")}[
            "country"
        ].values
    ]
    assert len(values) > 8, "the demo and fixtures have many countries"

    country = soup_of(client, CATALOGUE_EN).select_one("fieldset#facet-country")
    listed = [i["value"] for i in country.select("input[name=country]")]
    assert listed == values[:7]
    note = country.select_one(".oc-facet-unlisted")
    assert note.get_text(" ", strip=True).startswith(
        f"{len(values) - 7} more values, with fewer records, are not listed here."
    )
    link = note.select_one("a")["href"]
    assert parse_qs(urlsplit(link).query) == {"all": ["country"]}

    every = soup_of(client, link).select_one("fieldset#facet-country")
    assert [i["value"] for i in every.select("input[name=country]")] == values
    assert every.select_one(".oc-facet-unlisted") is None
    # The other long facets stay cut; a name that is not a facet changes nothing.
    cut = soup_of(client, CATALOGUE_EN + "?all=nothing").select_one("fieldset#facet-country")
    assert [i["value"] for i in cut.select("input[name=country]")] == values[:7]

    # A value selected beyond the listed ones is shown, and the link keeps the filters.
    last = values[-1]
    chosen = soup_of(client, CATALOGUE_EN + f"?country={last}").select_one("fieldset#facet-country")
    assert last in [i["value"] for i in chosen.select(":scope > .form-check input")]
    link = chosen.select_one(".oc-facet-unlisted a")["href"]
    assert parse_qs(urlsplit(link).query) == {"country": [last], "all": ["country"]}


def test_the_facet_note_speaks_italian(client, catalogue_data, monkeypatch):
    monkeypatch.setattr("opencoop.catalogue.presentation.FACET_LISTED", 7)
    note = soup_of(client, CATALOGUE_IT).select_one("fieldset#facet-country .oc-facet-unlisted")
    text = note.get_text(" ", strip=True)
    assert "non sono elencati qui" in text and "Elenca tutti i valori di" in text
