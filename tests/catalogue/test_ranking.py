"""A word search's order and matches, read the fast ways, agree with the plain definitions.

Relevance is the number of the query's words a row's title holds; the order is relevance, then
newest first. The catalogue finds a page filled by rows whose title holds a word without ranking
every match (``selectors._best_page``), and matches several words a row must all hold with one
sum a row (``word_matches``). Both are compared here with the order and the matches worked out
in Python from the rows written.
"""

from __future__ import annotations

import datetime

import pytest
from django.http import QueryDict

from opencoop.catalogue import rows, selectors
from opencoop.catalogue.fields import SearchDocument
from opencoop.catalogue.filters import CatalogueFilters
from opencoop.catalogue.row_models import CatalogueRow

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_authority")]

FIRST_ID = 30_000_000


def title_and_body(n: int) -> tuple[list[str], list[str]]:
    """Row n's title and other words: herons in 30 titles (egrets too in every fourth)."""
    title = [f"t{n}"]
    body = ["marsh"]
    if n < 30:
        title.append("heron")
        if n % 4 == 0:
            title.append("egret")
    else:
        body.append("heron")
    if n % 3 == 0:
        body.append("reed")
    if n % 5 == 0:
        body.append("egret")
    return title, body


def start_of(n: int) -> datetime.date | None:
    # Dates out of the order of ids, some repeated, some missing.
    return None if n % 11 == 0 else datetime.date(2000 + (n * 7) % 13, 1 + n % 12, 1)


@pytest.fixture
def marsh(prova) -> list[CatalogueRow]:
    written = []
    for n in range(60):
        title, body = title_and_body(n)
        written.append(
            CatalogueRow(
                kind=CatalogueRow.ACTIVITY,
                record_id=FIRST_ID + n,
                authority=prova,
                public_from=datetime.date(2000, 1, 1),
                countries=["SN" if n % 2 else "ML"],
                start=start_of(n),
                search_document=SearchDocument(title, body),
            )
        )
    CatalogueRow.objects.bulk_create(written, batch_size=rows.BATCH)
    rows._write_words(written)
    return written


@pytest.fixture
def titles_first(monkeypatch) -> None:
    """Ask the titles first however few the matches (as for thousands of them)."""
    monkeypatch.setattr(selectors, "RANKED_IN_FULL_UP_TO", 0)


def expected_order(readings: list[list[str]], country: str | None = None) -> list[int]:
    """The record ids of the matches, most relevant first, worked out in Python."""
    words = {word for reading in readings for word in reading}
    found = []
    for n in range(60):
        title, body = title_and_body(n)
        held = set(title) | set(body)
        if country and ("SN" if n % 2 else "ML") != country:
            continue
        if not any(set(reading) <= held for reading in readings):
            continue
        relevance = len(words & set(title))
        start = start_of(n)
        # Newest first, records without a date last, then the higher id first.
        found.append((-relevance, start is None, -(start or datetime.date.min).toordinal(), -n))
    return [FIRST_ID - key[3] for key in sorted(found)]


def filters_of(query: str = "") -> CatalogueFilters:
    return CatalogueFilters.from_querydict(QueryDict(query))


def ranked(filters: CatalogueFilters, readings: list[list[str]]) -> list[int]:
    keys = selectors.sort_keys("relevance", "en", readings)
    matching = selectors.filter_rows(filters, readings=readings)
    return [row.record_id for row in selectors.ordered_rows(matching, keys)]


@pytest.mark.parametrize("country", [None, "SN"])
def test_relevance_orders_matches_as_the_title_words_say(marsh, country):
    readings = [["heron"], ["egret"]]
    filters = filters_of(f"country={country}" if country else "")
    assert ranked(filters, readings) == expected_order(readings, country)


@pytest.mark.parametrize(("offset", "size"), [(0, 20), (10, 20), (20, 10), (0, 30)])
@pytest.mark.usefixtures("titles_first")
def test_a_page_of_title_matches_is_the_page_among_all_matches(marsh, offset, size):
    readings = [["heron"], ["egret"]]
    filters = filters_of()
    keys = selectors.sort_keys("relevance", "en", readings)
    page = selectors._best_page(filters, readings, keys, offset, size, 60, None)
    assert page is not None  # 30 titles hold a heron: these pages are theirs
    assert [row.record_id for row in page] == expected_order(readings)[offset : offset + size]


@pytest.mark.usefixtures("titles_first")
def test_a_page_titles_do_not_fill_is_ranked_among_all_matches(marsh):
    readings = [["heron"], ["egret"]]
    keys = selectors.sort_keys("relevance", "en", readings)
    # Rows 20-39: ten with a heron in the title, then ten with it elsewhere.
    assert selectors._best_page(filters_of(), readings, keys, 20, 20, 60, None) is None
    expected = expected_order(readings)
    assert len(expected) == 60
    for offset in (0, 20, 40):
        page = selectors._best_page(filters_of(), readings, keys, offset, 20, 60, None)
        if page is None:
            page = list(
                selectors.ordered_rows(
                    selectors.filter_rows(filters_of(), readings=readings), keys
                )[offset : offset + 20]
            )
        assert [row.record_id for row in page] == expected[offset : offset + 20]


@pytest.mark.parametrize(
    "readings",
    [
        [["heron", "reed"]],
        [["heron", "reed"], ["egret", "marsh"], ["t7"]],
        [["egret", "reed", "heron"], ["t1", "marsh"]],
        [["heron", "nothing"]],
    ],
)
def test_words_a_row_must_all_hold_match_as_each_reading_says(marsh, monkeypatch, readings):
    expected = sorted(expected_order(readings))
    found = sorted(ranked(filters_of(), readings))
    assert found == expected
    # More words than a sum can name: each reading's words asked one by one, the same rows.
    monkeypatch.setattr(selectors, "WORDS_IN_A_MASK", 1)
    assert sorted(ranked(filters_of(), readings)) == expected


@pytest.mark.parametrize("ranked_in_full_up_to", [0, 1_000])
def test_the_catalogue_pages_a_search_in_the_order_of_its_matches(
    marsh, monkeypatch, ranked_in_full_up_to
):
    # 0: every page asks the titles first (as a search of thousands of matches does).
    monkeypatch.setattr(selectors, "RANKED_IN_FULL_UP_TO", ranked_in_full_up_to)
    shown: list[list[int]] = []
    records_of_rows = selectors.records_of_rows

    def spy(found, today=None):
        found = list(found)
        shown.append([row.record_id for row in found])
        return records_of_rows(found, today)

    monkeypatch.setattr(selectors, "records_of_rows", spy)
    readings = selectors.search_readings(filters_of("q=heron"))
    assert ["heron"] in readings
    expected = expected_order(readings)
    for number in (1, 2, 3):
        result = selectors.catalogue(filters_of(f"q=heron&page={number}"), lang="en")
        assert result.total == len(expected)
        assert shown[-1] == expected[(number - 1) * 20 : number * 20]
