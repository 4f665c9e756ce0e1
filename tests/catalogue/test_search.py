"""Full-text search: inflected words in Italian and English, and nothing that is not public.

The stems are computed in Python (Snowball) on both sides, so these tests hold on SQLite (whose
FTS5 has no stemmer) as on PostgreSQL; CI runs them on PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.db import connection

from opencoop.activities.models import Activity, Location, ParticipatingOrg
from opencoop.catalogue.indexing import query_readings, stem
from opencoop.catalogue.selectors import search_ids
from tests.factories import make_association

pytestmark = pytest.mark.django_db


def found(q: str) -> set[str]:
    ids = search_ids(Activity.objects.all(), q) or []
    return set(Activity.objects.filter(pk__in=ids).values_list("slug", flat=True))


def test_the_database_backend_in_use_is_the_vendor_s():
    from wagtail.search.backends import get_search_backend

    backend = type(get_search_backend()).__name__
    expected = {"postgresql": "PostgresSearchBackend", "sqlite": "SQLiteSearchBackend"}
    assert backend == expected[connection.vendor]


@pytest.mark.parametrize(
    ("word", "other"),
    [("cooperazioni", "cooperazione"), ("donne", "donna"), ("women", "woman")],
)
def test_inflected_forms_share_a_stem(word, other):
    lang = "en" if word == "women" else "it"
    assert stem(word, lang) == stem(other, lang)
    assert [stem(word, lang)] in query_readings(word)


@pytest.mark.parametrize(
    "q", ["cooperazioni", "Cooperazione", "donna", "donne artigiana", "ARTIGIANE dakar"]
)
def test_italian_inflected_words_find_the_activity(catalogue_data, q):
    assert catalogue_data[0].slug in found(q)


@pytest.mark.parametrize("q", ["women", "woman", "Women's"])
def test_english_inflected_words_find_the_activities(catalogue_data, q):
    # "a woman's committee" (this test's activity) and "Women organized…" (Florence's).
    assert {catalogue_data[1].slug, "women-society-of-peace"} <= found(q)


def test_every_word_must_match(catalogue_data):
    assert catalogue_data[0].slug in found("donne Dakar")
    assert catalogue_data[0].slug not in found("donne Bolivia")
    assert catalogue_data[3].slug not in found("donne Bolivia")
    assert found("zzzyxq") == set()


def test_country_and_sector_names_are_searchable_in_both_languages(catalogue_data):
    assert catalogue_data[2].slug in found("Palestina")
    assert catalogue_data[2].slug in found("Palestine")
    assert catalogue_data[1].slug in found("Africa Mali")


def test_drafts_are_indexed_but_never_shown(client, catalogue_data):
    from .conftest import CATALOGUE_EN, soup_of

    assert catalogue_data[4].slug in found("Bozza")
    soup = soup_of(client, CATALOGUE_EN + "?q=Bozza")
    assert soup.select("ul.oc-results li") == []


def test_hidden_partners_and_places_cannot_be_searched(catalogue_data, partners):
    activity = catalogue_data[0]
    assert activity.slug in found("Sole Nascente")
    assert activity.slug not in found("Segreto")
    assert activity.slug not in found("Secret Shelter")
    shown, hidden = catalogue_data[2], catalogue_data[3]
    for activity, hide in ((shown, False), (hidden, True)):
        activity.hide_exact_locations = hide
        activity.locations.add(Location(name={"it": f"Villaggio {activity.slug}"}, country="BO"))
        activity.save_revision().publish()
    assert shown.slug in found(f"Villaggio {shown.slug}")
    assert hidden.slug not in found(f"Villaggio {hidden.slug}")


def test_publishing_indexes_the_parts_saved_with_the_activity(catalogue_data):
    """Wagtail indexes on post_save, before the parts are saved: publication indexes again."""
    activity = catalogue_data[3]
    newcomer = make_association(name={"it": "Fondazione Quercia Antica"}, slug="quercia")
    assert activity.slug not in found("Quercia")
    activity.participating_orgs.add(
        ParticipatingOrg(organisation=newcomer, role="4", hide_name=False)
    )
    activity.locations.add(Location(name={"it": "Cochabamba"}, country="BO"))
    activity.save_revision().publish()
    assert activity.slug in found("Quercia")
    assert activity.slug in found("Cochabamba")
