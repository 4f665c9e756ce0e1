"""The catalogue's words (``CatalogueWord``): kept with the rows, counted without a cap.

A word search reads the rows holding a word from the words' key. These tests compare the kept
words with the words of each row's document written afresh after every way a row changes
(publish, edit, unpublish, delete, a bulk write as imports and harvests do, a part changed
outside publication), check that hidden and embargoed records are never found, and that a word
found in more rows than any former cap counts every one of them.
"""

from __future__ import annotations

import datetime
import importlib
from collections import defaultdict
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import QueryDict

from opencoop.catalogue import rows, selectors
from opencoop.catalogue.fields import SearchDocument
from opencoop.catalogue.filters import CatalogueFilters
from opencoop.catalogue.row_models import (
    OTHER_WEIGHT,
    TITLE_WEIGHT,
    CatalogueRow,
    CatalogueWord,
)
from opencoop.catalogue.selectors import (
    catalogue,
    filter_rows,
    ordered_rows,
    ranked_matches,
    search_readings,
    sort_keys,
)
from opencoop.catalogue.site_search import site_search
from opencoop.demo.generator import generate
from tests.factories import make_association, make_published_activity

from .conftest import CATALOGUE_EN, SEARCH_EN, soup_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_authority")]

WORDS_COPIED = ("catalogue", "0008_catalogue_words")


def kept_words() -> dict[tuple[str, int], set[tuple[str, int]]]:
    """Return the kept words of each row, by (kind, record id)."""
    kept: dict[tuple[str, int], set[tuple[str, int]]] = defaultdict(set)
    for kind, record_id, word, weight in CatalogueWord.objects.values_list(
        "row__kind", "row__record_id", "word", "weight"
    ):
        kept[(kind, record_id)].add((word, weight))
    return dict(kept)


def afresh() -> dict[tuple[str, int], set[tuple[str, int]]]:
    """Return the words of each row's document, built again from its record now."""
    written: dict[tuple[str, int], set[tuple[str, int]]] = {}
    for kind in rows.MODELS:
        ids = list(
            CatalogueRow.objects.filter(kind=kind, stale=False).values_list("record_id", flat=True)
        )
        for row in rows.build_rows(kind, ids):
            written[(kind, row.record_id)] = set(rows.document_words(row.search_document))
    return written


def assert_words_follow_the_rows() -> None:
    kept = kept_words()
    fresh = afresh()
    assert fresh, "no row to compare"
    # Every row's words are kept, and only the words of rows that exist.
    assert {key: kept.get(key, set()) for key in fresh} == fresh
    assert set(kept) <= set(CatalogueRow.objects.values_list("kind", "record_id"))


def total(query: str, **kwargs) -> int:
    return catalogue(CatalogueFilters.from_querydict(QueryDict(query)), lang="en", **kwargs).total


def test_publish_edit_unpublish_and_delete_keep_the_words(prova):
    activity = make_published_activity(
        prova, title={"en": "Quokka sanctuary"}, description={"en": "Wetland of the numbat."}
    )
    row = CatalogueRow.objects.get(kind="activity", record_id=activity.pk)
    words = dict(CatalogueWord.objects.filter(row=row).values_list("word", "weight"))
    assert words["quokka"] == TITLE_WEIGHT
    assert words["numbat"] == OTHER_WEIGHT
    assert total("q=quokka") == total("q=numbat") == 1
    assert_words_follow_the_rows()

    activity.title = {"en": "Wombat refuge"}
    activity.save_revision().publish()
    assert total("q=quokka") == 0 and total("q=wombat") == 1
    assert not CatalogueWord.objects.filter(word="quokka").exists()
    assert_words_follow_the_rows()

    activity.unpublish()
    assert total("q=wombat") == 0
    assert not CatalogueWord.objects.filter(word="wombat").exists()

    activity.save_revision().publish()
    assert total("q=wombat") == 1
    activity.delete()
    assert total("q=wombat") == 0
    assert not CatalogueWord.objects.filter(word="wombat").exists()
    assert_words_follow_the_rows()


def test_a_bulk_write_keeps_the_words_of_every_record_it_writes():
    # The generator writes through write_records, as imports and harvests do; generating the
    # same authority again with another seed writes every one of its activities again.
    generate(activities=8, authorities=1, seed=7, index=False, pages=False)
    assert_words_follow_the_rows()
    before = kept_words()
    generate(activities=8, authorities=1, seed=99, index=False, pages=False)
    assert kept_words() != before
    assert_words_follow_the_rows()


def test_a_part_changed_outside_publication_is_searched_once_written_again(prova):
    activity = make_published_activity(prova, title={"en": "Dugong survey"}, countries=("NP",))
    activity.title = {"en": "Manatee survey"}
    activity.save()  # outside publication: the row is stale until the next read
    assert CatalogueRow.objects.get(kind="activity", record_id=activity.pk).stale
    assert total("q=manatee") == 1  # the read writes the row again first
    assert total("q=dugong") == 0
    assert_words_follow_the_rows()


def test_drafts_embargoed_records_and_hidden_partners_are_never_found(client, prova):
    secret = make_association(name={"en": "Clandestine Okapi Trust"}, slug="okapi")
    make_published_activity(prova, title={"en": "Draft pangolin"}, publish=False)
    end = datetime.date(2031, 5, 1)
    embargoed = make_published_activity(
        prova, title={"en": "Embargoed pangolin"}, embargo_until=end
    )
    shown = make_published_activity(
        prova, title={"en": "Shown pangolin"}, partners=((secret, True),)
    )
    assert total("q=pangolin") == 1
    assert total("q=okapi") == 0
    assert not CatalogueWord.objects.filter(word="okapi").exists()
    found = catalogue(CatalogueFilters(q="pangolin"), lang="en").page.object_list
    assert [a.pk for a in found] == [shown.pk]
    assert ranked_matches(CatalogueFilters(q="pangolin", kind=("activity",)), limit=10)[0] == 1
    soup = soup_of(client, SEARCH_EN + "?q=pangolin")
    text = soup.get_text(" ")
    assert "Shown pangolin" in text
    assert "Embargoed pangolin" not in text and "Draft pangolin" not in text
    soup = soup_of(client, CATALOGUE_EN + "?q=pangolin")
    titles = [h.get_text(strip=True) for h in soup.select("ul.oc-results h3")]
    assert titles == ["Shown pangolin"]
    # From the day the embargo ends, the record is found, without being written again.
    assert total("q=pangolin", today=end) == 2
    found = catalogue(CatalogueFilters(q="embargoed"), lang="en", today=end).page.object_list
    assert [a.pk for a in found] == [embargoed.pk]


def test_a_title_word_ranks_first_and_every_word_must_match(prova):
    elsewhere = make_published_activity(
        prova, title={"en": "Irrigation canals"}, description={"en": "Saltmarsh repair."}
    )
    in_title = make_published_activity(prova, title={"en": "Saltmarsh repair"})
    result = catalogue(CatalogueFilters(q="saltmarsh"), lang="en")
    assert [a.pk for a in result.page.object_list] == [in_title.pk, elsewhere.pk]
    assert total("q=saltmarsh canals") == 1
    assert total("q=saltmarsh zzqx") == 0
    # The site search's group ranks the same way and counts the same records.
    count, records = ranked_matches(CatalogueFilters(q="saltmarsh", kind=("activity",)), limit=1)
    assert count == 2 and [r.pk for r in records] == [in_title.pk]


MANY = 5_123  # more matches than the site search used to keep per kind (5,000)


def test_a_word_in_more_rows_than_any_cap_counts_every_one(prova, monkeypatch):
    """Rows written straight (no records behind them): the count is read from the words.

    Exact: below the number of matches whose counts are estimated (test_estimated_counts).
    """
    monkeypatch.setattr(selectors, "SAMPLED_ABOVE", 10 * MANY)
    day = datetime.date(2000, 1, 1)
    many = [
        CatalogueRow(
            kind=CatalogueRow.ACTIVITY,
            record_id=10_000_000 + n,
            authority=prova,
            public_from=day,
            # Odd rows hold the word in their title too.
            search_document=SearchDocument(
                ["estuary", "mangrove"] if n % 2 else [], ["estuary", f"n{n}"]
            ),
        )
        for n in range(MANY)
    ]
    CatalogueRow.objects.bulk_create(many, batch_size=rows.BATCH)
    rows._write_words(many)
    readings = search_readings(CatalogueFilters(q="estuary"))
    assert filter_rows(CatalogueFilters(q="estuary"), readings=readings).count() == MANY
    assert total("q=estuary") == MANY
    assert total("q=mangrove estuary") == MANY // 2
    assert ranked_matches(CatalogueFilters(q="estuary", kind=("activity",)), limit=5)[0] == MANY
    # Of a site search's group, too: the count of the projects is the true number.
    site_groups = site_search("estuary", locale=_locale(), lang="en")
    assert {g.key: g.total for g in site_groups}["activities"] == MANY
    # The first page by relevance: rows holding the word in their title come first.
    keys = sort_keys("relevance", "en", readings)
    first = ordered_rows(filter_rows(CatalogueFilters(q="estuary"), readings=readings), keys)
    assert {row.record_id % 2 for row in first[:20]} == {1}


def _locale():
    from wagtail.models import Locale

    return Locale.objects.get(language_code="en")


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="migrating back and forth inside a rolled-back test needs PostgreSQL",
)
def test_the_migration_copies_the_words_of_the_rows_already_written(prova):
    """Before 0009 a row kept its words in a column: 0008 copied them to the words' table."""
    make_published_activity(prova, title={"en": "Heron colony"}, description={"en": "Reed beds"})
    before = kept_words()
    assert before
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks before ALTER TABLE
    executor = MigrationExecutor(connection)
    executor.migrate([WORDS_COPIED])
    old = executor.loader.project_state([WORDS_COPIED]).apps
    # The column as 0008 found it: each row's document, as the rows were written then.
    old_rows = old.get_model("catalogue", "CatalogueRow").objects
    for kind in rows.MODELS:
        ids = list(old_rows.filter(kind=kind).values_list("record_id", flat=True))
        for row in rows.build_rows(kind, ids):
            old_rows.filter(kind=kind, record_id=row.record_id).update(
                search_document=row.search_document
            )
    CatalogueWord.objects.all().delete()
    migration = importlib.import_module("opencoop.catalogue.migrations.0008_catalogue_words")
    editor = SimpleNamespace(connection=connection, execute=connection.cursor().execute)
    migration.copy_words(old, editor)
    assert kept_words() == before
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert kept_words() == before  # dropping the column keeps the words


def test_a_row_deleted_by_the_database_s_rules_takes_its_words_along(prova):
    # A row goes with its authority (a cascade): its words go with it.
    make_published_activity(prova, title={"en": "Ibis count"})
    assert CatalogueWord.objects.filter(word="ibis").exists()
    CatalogueRow.objects.filter(authority=prova).delete()
    assert not CatalogueWord.objects.filter(word="ibis").exists()
    assert total("q=ibis") == 0
