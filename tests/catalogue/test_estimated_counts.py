"""A word search with many matches: facet counts and total estimated from a sample, and said so.

The threshold is lowered here (``selectors.SAMPLED_ABOVE``) so that a few hundred rows take the
path a common word takes at 100,000 activities; the rows are written straight, as in
``test_word_search``.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from opencoop.catalogue import rows, selectors
from opencoop.catalogue.fields import SearchDocument
from opencoop.catalogue.filters import CatalogueFilters
from opencoop.catalogue.row_models import CatalogueRow, CatalogueWord

from .conftest import CATALOGUE_EN, CATALOGUE_IT, soup_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_authority")]

ROWS = 600
COUNTRIES = ("SN", "ML", "BF")  # row n holds COUNTRIES[n % 3]; every fifth one ET as well
ESTIMATED = "estimated from a sample"


@pytest.fixture
def estuaries(prova):
    many = [
        CatalogueRow(
            kind=CatalogueRow.ACTIVITY,
            record_id=20_000_000 + n,
            authority=prova,
            public_from=datetime.date(2000, 1, 1),
            countries=[COUNTRIES[n % 3], *(["ET"] if n % 5 == 0 else [])],
            search_document=SearchDocument([], ["estuary", f"n{n}"]),
        )
        for n in range(ROWS)
    ]
    CatalogueRow.objects.bulk_create(many, batch_size=rows.BATCH)
    rows._write_words(many)


@pytest.fixture
def sampled(monkeypatch, estuaries) -> int:
    """Lower the threshold so that "estuary" is sampled; return 1 in how many rows is counted."""
    if connection.vendor != "postgresql":
        pytest.skip("the sample's hash is PostgreSQL's")
    monkeypatch.setattr(selectors, "SAMPLED_ABOVE", 50)
    monkeypatch.setattr(selectors, "SAMPLE_AT_LEAST", 10)
    step = selectors.sample_step([["estuary"]])
    assert step == ROWS // 50
    return step


def in_sample(step: int, country: str) -> int:
    """Count the sample's rows holding ``country``: the rows a hash of their id picks."""
    table = CatalogueWord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {CatalogueRow._meta.db_table} r WHERE r.id IN "
            f"(SELECT row_id FROM {table} WHERE word = 'estuary' AND hashint8(row_id) %% %s = 0) "
            "AND %s = ANY(r.countries)",
            [step, country],
        )
        return cursor.fetchone()[0]


def counts_shown(soup, param: str) -> dict[str, str]:
    return {
        box["value"]: box.find_next("label").select_one(".oc-count").get_text()
        for box in soup.select(f"#facet-{param} input[name={param}]")
    }


def test_many_matches_show_counts_estimated_from_the_sample_and_say_so(client, sampled):
    soup = soup_of(client, f"{CATALOGUE_EN}?q=estuary&country=SN")
    assert ESTIMATED in soup.select_one(".oc-counts-estimated").get_text()
    countries = counts_shown(soup, "country")
    # Every count is the sample's, scaled by the step; the selected value is listed.
    assert countries["SN"] == f"about {sampled * in_sample(sampled, 'SN')}"
    assert countries["ET"] == f"about {sampled * in_sample(sampled, 'ET')}"
    assert soup.select_one("#facet-country input[value=SN]").has_attr("checked")
    # The total is estimated as well (page 1 of several): the heading says so.
    heading = soup.select_one("#results-heading").get_text()
    assert heading.startswith(f"About {sampled * in_sample(sampled, 'SN')} projects found")


def test_the_italian_page_says_circa(client, sampled):
    soup = soup_of(client, f"{CATALOGUE_IT}?q=estuary&country=ML")
    assert counts_shown(soup, "country")["ML"] == f"circa {sampled * in_sample(sampled, 'ML')}"
    assert "stimati da un loro campione" in soup.select_one(".oc-counts-estimated").get_text()
    assert soup.select_one("#results-heading").get_text().startswith("Circa ")


def test_a_page_past_the_end_of_an_estimate_is_counted_exactly(client, sampled):
    soup = soup_of(client, f"{CATALOGUE_EN}?q=estuary&country=SN&page=999")
    assert "There is no page 999" in soup.get_text()
    # The last page, counted exactly: 200 rows hold SN, ten pages of 20.
    heading = soup.select_one("#results-heading").get_text()
    assert heading.startswith("200 projects found") and "(page 10 of 10)" in heading
    # The facets stay estimates, and say so.
    assert soup.select_one(".oc-counts-estimated") is not None


def test_a_sample_too_small_to_estimate_from_is_counted_exactly(client, sampled, monkeypatch):
    monkeypatch.setattr(selectors, "SAMPLE_AT_LEAST", ROWS)
    soup = soup_of(client, f"{CATALOGUE_EN}?q=estuary&country=SN")
    assert soup.select_one(".oc-counts-estimated") is None
    assert counts_shown(soup, "country") == {"SN": "200", "ML": "200", "BF": "200", "ET": "120"}


def test_below_the_threshold_the_counts_are_exact_and_not_called_estimates(client, estuaries):
    soup = soup_of(client, f"{CATALOGUE_EN}?q=estuary&country=SN")
    assert ESTIMATED not in soup.get_text() and "about" not in soup.select_one(".oc-facets").text
    assert counts_shown(soup, "country") == {"SN": "200", "ML": "200", "BF": "200", "ET": "120"}
    assert soup.select_one("#results-heading").get_text().startswith("200 projects found")
    counts = selectors.count_catalogue(
        CatalogueFilters(q="estuary", country=("SN",)), lang="en", readings=[["estuary"]]
    )
    assert (counts.total, counts.estimated) == (200, False)
