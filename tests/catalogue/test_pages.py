"""The catalogue and search pages: facets, messages, suggestions, languages and query counts."""

from __future__ import annotations

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opencoop.activities.disclosure import public_activities
from opencoop.catalogue.models import CataloguePage
from tests.factories import make_published_activity

from .conftest import CATALOGUE_EN, CATALOGUE_IT, SEARCH_EN, SEARCH_IT, soup_of

# Records of several authorities on the demo's site, as on an atlas (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_authority")]


def result_titles(soup) -> list[str]:
    return [h.get_text(" ", strip=True) for h in soup.select("ul.oc-results .it-card-title")]


@pytest.mark.parametrize(
    ("url", "lang", "other"),
    [(CATALOGUE_IT, "it", CATALOGUE_EN), (CATALOGUE_EN, "en", CATALOGUE_IT)],
)
def test_both_languages_render_with_hreflang_alternates(client, url, lang, other):
    soup = soup_of(client, url + "?country=BR")
    assert soup.html["lang"] == lang
    assert len(soup.find_all("h1")) == 1
    alternates = {
        link["hreflang"]: link["href"]
        for link in soup.find_all("link", rel="alternate", hreflang=True)
    }
    assert set(alternates) == {"it", "en"}
    # The other language shows the same selection.
    assert alternates["en" if lang == "it" else "it"].endswith(other + "?country=BR")
    assert alternates[lang].endswith(url + "?country=BR")
    assert result_titles(soup_of(client, other + "?country=BR"))
    assert len(result_titles(soup)) == 1


def test_facets_are_fieldsets_of_checkboxes_with_counts(client, catalogue_data):
    soup = soup_of(client, CATALOGUE_EN)
    form = soup.find("form", class_="oc-catalogue")
    assert form["method"] == "get"
    legends = {fs["id"]: fs.legend.get_text(strip=True) for fs in form.find_all("fieldset")}
    for param in (
        "country",
        "region",
        "sector",
        "sector_group",
        "sdg",
        "status",
        "year",
        "org",
        "partner",
        "kind",
    ):
        assert f"facet-{param}" in legends, param
    senegal = form.find("input", attrs={"name": "country", "value": "SN"})
    assert senegal["type"] == "checkbox" and not senegal.has_attr("checked")
    label = form.find("label", attrs={"for": senegal["id"]}).get_text(" ", strip=True)
    assert label == "Senegal 2"
    heading = soup.find(id="results-heading").get_text(" ", strip=True)
    assert heading.startswith(f"{public_activities().count()} projects found")
    assert form.find("button", attrs={"type": "submit"}) is not None


def test_a_filtered_page_marks_its_filters_and_links_results(client, catalogue_data):
    soup = soup_of(client, CATALOGUE_IT + "?country=PS&sdg=11")
    assert soup.find("input", attrs={"name": "country", "value": "PS"}).has_attr("checked")
    titles = result_titles(soup)
    assert titles and all("Bethlehem" not in t for t in titles)
    chips = soup.select(".oc-active-filters a.chip")
    assert {c["data-param"] for c in chips} == {"country", "sdg"}
    remove_country = next(c for c in chips if c["data-param"] == "country")["href"]
    assert parse_qs(urlsplit(remove_country).query) == {"sdg": ["11"]}
    # Florence's projects link to their page in the section's list, in the same language.
    links = [a["href"] for a in soup.select("ul.oc-results .it-card-title a")]
    assert links and all("/cooperazione-decentrata/progetti/" in href for href in links)
    assert client.get(links[0]).status_code == 200


def test_activities_of_an_authority_without_section_are_not_linked(client, catalogue_data):
    soup = soup_of(client, CATALOGUE_EN + "?q=Bolivia")
    card = soup.select_one("ul.oc-results .it-card-title")
    assert card.get_text(strip=True) == "Training in Bolivia"
    assert card.find("a") is None


def test_invalid_values_give_a_message_and_are_ignored(client, catalogue_data):
    soup = soup_of(client, CATALOGUE_EN + "?country=ZZ&year=20x6&sort=price&partner=secret-shelter")
    alert = soup.find(id="filter-messages")
    assert alert is not None and alert["role"] == "alert"
    text = alert.get_text(" ", strip=True)
    for bad in ("“ZZ”", "“20x6”", "“price”", "“secret-shelter”"):
        assert bad in text
    heading = soup.find(id="results-heading").get_text(" ", strip=True)
    assert heading.startswith(f"{public_activities().count()} ")
    assert soup.select(".oc-active-filters a.chip") == []


def test_no_results_suggests_removing_each_filter(client, catalogue_data):
    soup = soup_of(client, CATALOGUE_EN + "?country=BR&sdg=16")
    assert result_titles(soup) == []
    assert soup.find(id="results-heading").get_text(" ", strip=True).startswith("0 projects")
    suggestions = soup.select(".oc-no-results a.list-item")
    texts = [a.get_text(" ", strip=True) for a in suggestions]
    assert any("Brazil" in t for t in texts)
    assert any("Goal 16" in t for t in texts)
    assert len(suggestions) == 3  # two filters and "remove all"
    totals = []
    for link in suggestions:
        after = soup_of(client, link["href"])
        totals.append(len(result_titles(after)))
    assert all(totals), "each suggestion leads to results"


def test_hidden_partner_never_appears(client, catalogue_data):
    for url in (
        CATALOGUE_EN,
        CATALOGUE_IT + "?partner=rising-sun-cooperative",
        CATALOGUE_EN + "?q=Dakar",
    ):
        html = client.get(url).content.decode()
        assert "Rifugio Segreto" not in html and "Secret Shelter" not in html
        assert "secret-shelter" not in html
    soup = soup_of(client, CATALOGUE_EN)
    assert soup.find("input", attrs={"name": "partner", "value": "rising-sun-cooperative"})


def test_pages_keep_the_filters(client, catalogue_data, monkeypatch):
    monkeypatch.setattr(CataloguePage, "page_size", 2)
    soup = soup_of(client, CATALOGUE_EN + "?region=002&sort=title")
    links = soup.select("nav.pagination-wrapper a.page-link[href]")
    page2 = next(a["href"] for a in links if a.get_text(strip=True) == "2")
    assert parse_qs(urlsplit(page2).query) == {"region": ["002"], "sort": ["title"], "page": ["2"]}
    second = soup_of(client, page2)
    assert second.select_one('a.page-link[aria-current="page"]').get_text(strip=True) == "2"
    assert set(result_titles(second)).isdisjoint(result_titles(soup))


QUERIES = {"none": "", "one": "?country=SN", "three": "?country=SN&sdg=5&year=2016&q=donne"}


@pytest.mark.parametrize("state", QUERIES)
def test_query_count_does_not_grow_with_the_page_size(
    client, catalogue_data, prova, monkeypatch, state
):
    for number in range(22):
        make_published_activity(
            prova,
            countries=("SN",),
            sdgs=("5",),
            sectors=("15170",),
            description={"it": f"donne {number}"},
            start=datetime.date(2016, 1, 1),
        )
    url = CATALOGUE_EN + QUERIES[state]
    client.get(url)  # warm the caches every page shares (sites, locales)
    counts = {}
    for size in (5, 20):
        monkeypatch.setattr(CataloguePage, "page_size", size)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        counts[size] = len(queries)  # before the next request empties the log
        assert response.status_code == 200
        assert len(result_titles(BeautifulSoup(response.content, "html.parser"))) == size
    print(
        f"catalogue page, {state} filter(s): {counts[5]} queries (page size 5), {counts[20]} (20)"
    )
    assert counts[5] == counts[20] > 0


def test_site_search_groups_results_by_kind(client, catalogue_data):
    soup = soup_of(client, SEARCH_IT + "?q=donne")
    groups = {s["id"]: s for s in soup.select("section.oc-search-group")}
    assert "group-activities" in groups
    titles = [
        h.get_text(" ", strip=True) for h in groups["group-activities"].select(".it-card-title")
    ]
    assert any("donne artigiane" in t for t in titles)
    more = groups["group-activities"].find("a", href=lambda h: h and "?q=donne" in h)
    assert more is not None and CATALOGUE_IT in more["href"]
    assert len(soup.find_all("h1")) == 1


def test_site_search_finds_pages_initiatives_and_plans(client):
    soup = soup_of(client, SEARCH_EN + "?q=privacy")
    assert "group-pages" in {s["id"] for s in soup.select("section.oc-search-group")}
    soup = soup_of(client, SEARCH_IT + "?q=piano")
    groups = {s["id"] for s in soup.select("section.oc-search-group")}
    assert "group-plans" in groups
    plan_links = [a["href"] for a in soup.select("#group-plans .it-card-title a")]
    assert plan_links and client.get(plan_links[0]).status_code == 200


def test_site_search_without_match_says_so(client):
    soup = soup_of(client, SEARCH_EN + "?q=zzzyxq")
    assert soup.find(id="results-heading").get_text(" ", strip=True).startswith("0 results")
    assert soup.find("div", class_="alert-info") is not None


def test_header_links_to_the_search_of_the_current_language(client):
    for home, search in (("/it/", SEARCH_IT), ("/en/", SEARCH_EN)):
        soup = soup_of(client, home)
        link = soup.select_one(".it-search-wrapper a.search-link")
        assert link is not None and link["href"].endswith(search)
        assert link["aria-label"]


def test_pagination_elides_far_pages_and_never_links_nowhere(client, catalogue_data, monkeypatch):
    monkeypatch.setattr(CataloguePage, "page_size", 1)
    last = public_activities().count()
    assert last >= 12, "enough activities for gaps on both sides"

    def items(url: str) -> list:
        nav = soup_of(client, url).select_one("nav.pagination-wrapper")
        assert not nav.select("a:not([href])"), "a disabled link is a span, not an <a>"
        return nav.select("li.page-item")

    middle = items(CATALOGUE_EN + "?page=6")
    numbers = [li.get_text(strip=True) for li in middle[1:-1]]
    assert numbers == ["1", "…", "4", "5", "6", "7", "8", "…", str(last)]
    assert middle[1:-1][4].a["aria-current"] == "page"
    # A gap never stands for a single page: page 2 is linked rather than elided.
    fifth = [li.get_text(strip=True) for li in items(CATALOGUE_EN + "?page=5")[1:-1]]
    assert fifth == ["1", "2", "3", "4", "5", "6", "7", "…", str(last)]
    first = items(CATALOGUE_EN)
    assert "disabled" in first[0]["class"]
    assert first[0].select_one("span.page-link[aria-disabled=true] .visually-hidden")
    assert [li.get_text(strip=True) for li in first[1:-1]] == ["1", "2", "3", "…", str(last)]
    assert first[-1].a["href"].endswith("?page=2")
    final = items(CATALOGUE_EN + f"?page={last}")
    assert "disabled" in final[-1]["class"] and final[-1].select_one("span[aria-disabled=true]")
