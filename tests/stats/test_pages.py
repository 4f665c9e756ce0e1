"""The statistics and plans pages: rendered in both languages, each CSV equal to its table."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from bs4 import BeautifulSoup
from wagtail.models import Locale

from opencoop.activities.models import Activity
from opencoop.stats.selectors import TABLES, Scope, by_country

from ..conftest import SECTION_EN, SECTION_IT
from .fixtures import page_tables, parse_csv, parse_number

# Records of several authorities on the demo's site, as on an atlas (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_authority")]

STATISTICS = {
    "it": "/it/comune-di-esempio/statistiche/",
    "en": "/en/example-municipality/statistics/",
}
PLANS = {
    "it": "/it/comune-di-esempio/piani-e-spesa/",
    "en": "/en/example-municipality/plans-and-spending/",
}


@pytest.mark.parametrize("lang", ["it", "en"])
def test_statistics_page_renders_every_figure_with_an_accessible_chart(client, fictional, lang):
    response = client.get(STATISTICS[lang])
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.html["lang"] == lang
    tables = page_tables(response.content)
    assert list(tables) == list(TABLES)
    for slug, table in tables.items():
        assert table["rows"], slug
        svg = table["section"].find("svg", class_="oc-chart")
        assert svg is not None and svg["role"] == "img", slug
        labelled = svg["aria-labelledby"].split()
        assert svg.find("title")["id"] == labelled[0] and svg.find("desc")["id"] == labelled[1]
        assert svg.find("title").get_text(strip=True) and svg.find("desc").get_text(strip=True)
        assert svg.find_all("rect"), slug
    assert "fittizi" in soup.get_text() if lang == "it" else "fictional" in soup.get_text()
    # No script of any kind on the page, and no inline style.
    assert not soup.find_all("script", src=False)
    assert not soup.find_all(style=True)


@pytest.mark.parametrize("lang", ["it", "en"])
def test_each_csv_equals_the_table_on_the_page(client, fictional, lang):
    tables = page_tables(client.get(STATISTICS[lang]).content)
    checked = 0
    for slug, table in tables.items():
        response = client.get(table["csv"])
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        header, *lines = parse_csv(response.content)
        assert len(header) == len(table["headers"]) + 1  # code, label, then the columns
        assert len(lines) == len(table["rows"]), slug
        for (code, label, cells), line in zip(table["rows"], lines, strict=True):
            assert line[0] == code and line[1] == label, slug
            assert [parse_number(cell, lang) for cell in cells] == [
                Decimal(value) for value in line[2:]
            ], (slug, code)
            checked += 1
    assert checked > 30


def test_tables_link_their_codes_to_the_filtered_catalogue(client, fictional):
    soup = BeautifulSoup(client.get(STATISTICS["en"]).content, "html.parser")
    row = soup.select_one('table[data-figure="by-sector-group"] tbody tr[data-code]')
    link = row.find("a")
    query = parse_qs(urlparse(link["href"]).query)
    assert query == {"sector_group": [row["data-code"]], "org": [fictional.slug]}
    assert client.get(link["href"]).status_code == 200


@pytest.mark.parametrize(
    ("lang", "address"), [("it", "/it/paesi/sn/"), ("en", "/en/countries/sn/")]
)
def test_the_table_by_country_links_each_country_to_its_page(client, fictional, lang, address):
    soup = BeautifulSoup(client.get(STATISTICS[lang]).content, "html.parser")
    rows = soup.select('table[data-figure="by-country"] tbody tr')
    links = {row["data-code"]: row.th.find("a") for row in rows}
    assert links["SN"]["href"] == address
    assert links["SN"].get_text(strip=True) == "Senegal"
    assert all(link is not None for code, link in links.items() if code), links
    assert client.get(address).status_code == 200


def test_figures_agree_with_the_selector(client, fictional):
    expected = by_country(Scope(fictional))
    table = page_tables(client.get(STATISTICS["en"]).content)["by-country"]
    assert [code for code, _label, _cells in table["rows"]] == [r.code for r in expected.rows]
    assert [c.label for c in expected.columns] == table["headers"][1:]


def test_unknown_csv_is_not_found(client, fictional):
    assert client.get(STATISTICS["en"] + "csv/by-nothing/").status_code == 404


@pytest.mark.parametrize("lang", ["it", "en"])
def test_plans_page_lists_each_plan_with_its_activities(client, fictional, lang):
    response = client.get(PLANS[lang])
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    plans = soup.select("section.oc-plan")
    assert len(plans) == 15
    summary = page_tables(response.content)["plans"]
    _header, *lines = parse_csv(client.get(summary["csv"]).content)
    assert [line[0] for line in lines] == [code for code, _l, _c in summary["rows"]]
    for (code, _label, cells), line in zip(summary["rows"], lines, strict=True):
        assert [parse_number(c, lang) for c in cells] == [Decimal(v) for v in line[2:]], code
    funded = [p for p in plans if p.find("tbody")]
    assert funded
    first = funded[0]
    assert first.select("tbody a"), "funded activities link to their pages"
    assert client.get(first.select_one("tbody a")["href"]).status_code == 200
    assert first.select_one(".oc-documents")


def test_plans_page_lists_the_first_activities_of_a_plan_and_says_how_many_more(
    client, fictional, monkeypatch
):
    from django.core.cache import cache

    from opencoop.plans.models import PlanAllocation
    from opencoop.stats.models import PlansOverviewPage

    monkeypatch.setattr(PlansOverviewPage, "funded_shown", 2)
    cache.clear()  # a page rendered by an earlier test must not be served
    soup = BeautifulSoup(client.get(PLANS["en"]).content, "html.parser")
    checked = 0
    for section in soup.select("section.oc-plan"):
        plan_id = int(section["id"].removeprefix("plan-"))
        total = PlanAllocation.objects.filter(plan_id=plan_id).count()
        assert len(section.select("tbody tr")) == min(total, 2)
        more = [p.get_text(" ", strip=True) for p in section.find_all("p", recursive=False)]
        if total > 2:
            more_text = "activity" if total - 2 == 1 else "activities"
            assert f"And {total - 2} more {more_text}" in " ".join(more)
            checked += 1
    assert checked


def test_an_authority_without_amounts_gets_counts_only(client):
    from opencoop.demo.loader import publish_page_pair
    from opencoop.organisations.models import Organisation
    from opencoop.pages.models import SectionPage
    from opencoop.stats.models import StatisticsPage

    florence = Organisation.objects.get(identifier="IT-CF-01307110484")
    section_it = SectionPage.objects.get(reporting_org=florence, locale__language_code="it")
    section_en = section_it.get_translation(Locale.objects.get(language_code="en"))
    _it, english = publish_page_pair(
        (section_it, section_en),
        StatisticsPage,
        {"title": {"it": "Numeri", "en": "Figures"}, "slug": {"it": "numeri", "en": "figures"}},
        "florence-figures",
        reporting_org=florence,
    )
    response = client.get(english.url)
    assert response.status_code == 200
    tables = page_tables(response.content)
    assert "by-year" not in tables  # no amounts recorded: no table of amounts by year
    countries = tables["by-country"]
    assert countries["headers"][1:] == ["Activities"]
    assert sum(int(cells[0]) for _code, _label, cells in countries["rows"]) >= 13
    svg = countries["section"].find("svg")
    assert "number of activities" in svg.find("title").get_text()


@pytest.mark.parametrize("lang", ["it", "en"])
def test_each_section_shows_its_own_authoritys_office_contact(client, fictional, lang):
    sections = {"it": "/it/comune-di-esempio/", "en": "/en/example-municipality/"}
    florence = {"it": SECTION_IT, "en": SECTION_EN}
    fictional_page = client.get(sections[lang])
    assert fictional_page.status_code == 200
    # The fictional authority has no office contact: Florence's councillor is not shown as its own.
    assert "Nicoletta Mantovani" not in fictional_page.content.decode()
    assert "oc-contact" not in fictional_page.content.decode()
    fictional.contact_person = "Ufficio Esempio"
    fictional.save()
    shown = BeautifulSoup(client.get(sections[lang]).content, "html.parser").select_one(
        ".oc-contact"
    )
    assert shown is not None and "Ufficio Esempio" in shown.get_text()
    assert "Ufficio Esempio" not in client.get(florence[lang]).content.decode()
    assert "Nicoletta Mantovani" in client.get(florence[lang]).content.decode()


def test_a_long_section_lists_the_first_records_and_links_the_whole_list(
    client, fictional, monkeypatch
):
    from opencoop.pages.models import SectionPage

    monkeypatch.setattr(SectionPage, "landing_limit", 3)
    soup = BeautifulSoup(client.get("/en/example-municipality/").content, "html.parser")
    projects = soup.find(id="group-activities").find_parent("section")
    assert len(projects.select(".oc-record-list li")) == 3
    total = Activity.objects.filter(reporting_org=fictional, live=True).count()
    more = projects.find("a", string=lambda s: s and "See the whole list" in s)
    assert more is not None and f"({total} items)" in more.get_text()
    assert more["href"] == projects.find("h2").find("a")["href"]


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_main_menu_is_the_section_the_visitor_is_in(client, fictional, lang):
    sections = {"it": "/it/comune-di-esempio/", "en": "/en/example-municipality/"}
    florence = {"it": SECTION_IT, "en": SECTION_EN}

    def menu(url: str) -> list[str]:
        soup = BeautifulSoup(client.get(url).content, "html.parser")
        return [a["href"] for a in soup.select("#oc-nav a.nav-link")]

    assert menu(sections[lang])[0] == sections[lang]
    assert (
        menu(sections[lang] + ("statistiche/" if lang == "it" else "statistics/"))[0]
        == (sections[lang])
    )
    assert menu(florence[lang])[0] == florence[lang]
    # Outside any section (the home page), the first section is the menu.
    assert menu(f"/{lang}/")[0] == florence[lang]
