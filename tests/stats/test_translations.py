"""The statistics and map pages in Italian: headings, tables, charts and the map, no English left."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

# Records of several authorities on the demo's site, as on an atlas (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_authority")]

STATISTICS_IT = "/it/comune-di-esempio/statistiche/"
MAP_IT = "/it/comune-di-esempio/mappa/"

# English the two pages showed before they were translated; none of it may be left.
ENGLISH = [
    "On this page",
    "Planned, committed and disbursed by year",
    "Planned in annual plans",
    "Disbursed and spent",
    "Committed",
    "By country",
    "By sector",
    "By Sustainable Development Goal",
    "By type of partner organisation",
    "No country stated",
    "counted once in each country",
    "Download these figures (CSV)",
    "See also",
    "Figures about the published activities",
    "Amounts are in euros",
    "amounts in euros",
    "number of activities",
    "Column chart",
    "Bar chart",
    "The table below",
    "Shade the countries by",
    "Number of activities",
    "Amount disbursed",
    "Legend",
    "places of activities",
    "Places",
    "Select a country",
    "Country outlines",
    "World map",
    "The map's data as JSON",
    "activities",
    "activity",
    "disbursed",
]


def italian_text(client, url: str) -> tuple[BeautifulSoup, str]:
    """Return the page's main part and all it says, with the text of labels and SVG titles."""
    response = client.get(url)
    assert response.status_code == 200, url
    main = BeautifulSoup(response.content, "html.parser").find("main")
    labels = [tag["aria-label"] for tag in main.find_all(attrs={"aria-label": True})]
    return main, " ".join([main.get_text(" ", strip=True), *labels])


def untranslated(said: str) -> list[str]:
    return [english for english in ENGLISH if re.search(rf"\b{re.escape(english)}\b", said)]


def test_statistics_page_speaks_italian(client, fictional):
    main, said = italian_text(client, STATISTICS_IT)
    assert [h2.get_text(" ", strip=True) for h2 in main.find_all("h2")] == [
        "In questa pagina",
        "Previsto, impegnato ed erogato per anno",
        "Per paese",
        "Per gruppo di settori",
        "Per settore",
        "Per Obiettivo di sviluppo sostenibile",
        "Per tipo di organizzazione partner",
        "Vedi anche",
    ]
    by_year = main.find("table", attrs={"data-figure": "by-year"})
    headers = [th.get_text(strip=True) for th in by_year.select("thead th")]
    assert headers[:5] == [
        "Anno",
        "Previsto nei piani annuali (EUR)",
        "Budget (EUR)",
        "Impegnato (EUR)",
        "Erogato e speso (EUR)",
    ]
    assert "Dati sulle attività pubblicate da Comune di Esempio" in said
    assert "Gli importi sono in euro" in said
    assert said.count("Scarica questi dati (CSV)") == 6
    chart = main.find("svg", class_="oc-chart")
    assert chart.find("title").get_text() == (
        "Previsto, impegnato ed erogato per anno (importi in euro)"
    )
    assert chart.find("desc").get_text().startswith("Grafico a barre «")
    assert untranslated(said) == []


def test_map_page_speaks_italian(client, fictional):
    main, said = italian_text(client, MAP_IT)
    assert [h2.get_text(" ", strip=True) for h2 in main.find_all("h2")] == [
        "Per paese",
        "Luoghi",
        "Vedi anche",
    ]
    measures = main.select_one("nav.oc-map-measures")
    assert measures.get_text(" ", strip=True) == (
        "Colora i paesi per: Numero di attività Importo erogato (EUR)"
    )
    svg = main.find("svg", class_="oc-map")
    assert svg.find("desc").get_text().startswith("Mappa del mondo: paesi colorati per numero")
    country = svg.select_one("g.oc-map-countries a")
    count, *amounts = country["aria-label"].split(": ", 1)[1].split("; ")
    assert re.fullmatch(r"[\d.]+ attività", count), count
    assert all(re.fullmatch(r"[\d.]+,\d\d [A-Z]{3} erogati", amount) for amount in amounts)
    assert "Seleziona un paese per vederne la pagina: progetti, partner e luoghi." in said
    assert "Confini dei paesi:" in said
    assert "I dati della mappa in formato JSON" in said
    assert untranslated(said) == []
