"""Filters and facet counts: every count equals what a direct reading of the rows gives."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.http import QueryDict

from opencoop.activities.disclosure import public_activities
from opencoop.activities.models import Sector
from opencoop.catalogue.filters import CatalogueFilters
from opencoop.catalogue.regions import continent_of_country
from opencoop.catalogue.selectors import (
    RecordLinks,
    activity_url,
    catalogue,
    catalogue_facets,
    filter_activities,
)
from opencoop.codelists import registry
from opencoop.stats.selectors import Scope, by_sector_group
from tests.factories import make_published_activity as make_activity

pytestmark = pytest.mark.django_db


def facet_values(activity) -> dict[str, set[str]]:
    """Read each facet's values of one activity straight from its rows (the test's oracle)."""
    start = activity.actual_start or activity.planned_start or activity.actual_end
    start = start or activity.planned_end
    end = activity.actual_end or activity.planned_end or start
    years = {str(y) for y in range(start.year, end.year + 1)} if start else set()
    countries = {rc.code for rc in activity.recipient_countries.all()}
    sectors = list(activity.sectors.all())
    tags = list(activity.sdg_tags.all())
    partnership = activity.partnership
    return {
        "kind": {"activity"},
        "status": {activity.status} if activity.status else set(),
        "year": years,
        "region": {continent_of_country()[c] for c in countries if c in continent_of_country()},
        "country": countries,
        # One vocabulary per activity: its 5-digit codes' groups, else its 3-digit codes.
        "sector_group": {s.code[:3] for s in sectors if s.vocabulary == "1"}
        or {s.code for s in sectors if s.vocabulary == "2"},
        "sector": {s.code for s in sectors if s.vocabulary == "1"},
        "sdg": {t.code for t in tags if t.vocabulary == "2"}
        | {t.code.split(".")[0] for t in tags if t.vocabulary == "3"},
        "sdg_target": {t.code for t in tags if t.vocabulary == "3"},
        "marker": {m.code for m in activity.policy_markers.all() if m.significance != "0"},
        "partner": {
            p.organisation.slug
            for p in activity.participating_orgs.all()
            if not p.hide_name and p.organisation_id != activity.reporting_org_id
        },
        "partnership": {str(partnership.pk)} if partnership and partnership.live else set(),
        "org": {activity.reporting_org.slug},
    }


def expected_counts(filters: CatalogueFilters, activities=None) -> dict[str, dict[str, int]]:
    """Count, facet by facet, the activities passing every other filter, by value."""
    rows = [facet_values(a) for a in (public_activities() if activities is None else activities)]
    wanted = {p: {str(v) for v in filters.values(p)} for p in rows[0]}
    counts: dict[str, dict[str, int]] = {}
    for param in wanted:
        counts[param] = {}
        for row in rows:
            if all(not wanted[p] or wanted[p] & row[p] for p in wanted if p != param):
                for value in row[param]:
                    counts[param][value] = counts[param].get(value, 0) + 1
    return counts


COMBINATIONS = [
    "",
    "country=SN",
    "country=SN&country=PS",
    "region=002&sdg=5",
    "sector_group=151&status=2",
    "year=2016&marker=1",
    "year=2020&year=2021&region=142&region=002",
    "sdg=5&sdg_target=5.1&partner=rising-sun-cooperative",
    "sector=15220&country=IL",
    "org=comune-di-firenze&sdg=16",
    "kind=activity&status=3&country=ML",
]


@pytest.mark.parametrize("query", COMBINATIONS)
def test_facet_counts_equal_a_direct_count(catalogue_data, query):
    filters = CatalogueFilters.from_querydict(QueryDict(query))
    assert not filters.messages
    facets = {f.param: f for f in catalogue_facets(filters, lang="en")}
    expected = expected_counts(filters)
    for param, counts in expected.items():
        got = {v.value: v.count for v in facets[param].values if v.count}
        if param == "kind":  # initiatives and exchanges are counted in test_rows
            got = {value: n for value, n in got.items() if value == "activity"}
        assert got == counts, param
    # The results are the activities passing every filter.
    rows = {a.pk: facet_values(a) for a in public_activities()}
    wanted = {p: {str(v) for v in filters.values(p)} for p in expected}
    matching = {
        pk for pk, row in rows.items() if all(not wanted[p] or wanted[p] & row[p] for p in wanted)
    }
    assert set(filter_activities(filters).values_list("pk", flat=True)) == matching


@pytest.mark.parametrize(
    "query",
    ["", "country=SN", "country=SN&status=2", "sdg=5&sdg_target=5.1", "kind=activity&year=2020"],
)
def test_facet_counts_on_a_site_equal_a_direct_count_of_its_authorities(catalogue_data, query):
    # A site lists its own authorities' records: each filtered facet reads its own selection,
    # which must keep to the site as the matches do (Florence's activities are beside these).
    prova = catalogue_data[0].reporting_org
    filters = replace(
        CatalogueFilters.from_querydict(QueryDict(query)), within=frozenset({prova.pk})
    )
    result = catalogue(filters, lang="en")
    facets = {f.param: f for f in result.facets}
    own = public_activities().filter(reporting_org=prova)
    for param, counts in expected_counts(filters, own).items():
        got = {v.value: v.count for v in facets[param].values if v.count}
        if param == "kind":
            got = {value: n for value, n in got.items() if value == "activity"}
        assert got == counts, param
    assert result.total == len([a for a in own if _passes(facet_values(a), filters)])
    assert {a.pk for a in result.page.object_list} <= {a.pk for a in own}


def _passes(row: dict[str, set[str]], filters: CatalogueFilters) -> bool:
    return all(not filters.values(p) or {str(v) for v in filters.values(p)} & row[p] for p in row)


def test_the_combinations_are_not_trivial(catalogue_data):
    totals = [
        catalogue(CatalogueFilters.from_querydict(QueryDict(q)), lang="en").total
        for q in COMBINATIONS
    ]
    assert totals[0] > totals[1] > 0
    assert len({t for t in totals}) > 3


def test_selected_value_without_results_stays_in_its_facet(catalogue_data):
    filters = CatalogueFilters.from_querydict(QueryDict("country=BO&sdg=5"))
    facets = {f.param: f for f in catalogue_facets(filters, lang="it")}
    sdg5 = next(v for v in facets["sdg"].values if v.value == "5")
    assert sdg5.selected and sdg5.count == 0
    assert next(v for v in facets["country"].values if v.value == "BO").label == "Bolivia"


def test_drafts_and_embargoed_activities_are_never_counted(catalogue_data):
    filters = CatalogueFilters.from_querydict(QueryDict("country=SN"))
    result = catalogue(filters, lang="en")
    titles = {a.title.get("it") for a in result.page.object_list}
    assert result.total == 2
    assert "Bozza" not in titles and "Sotto embargo" not in titles


def test_hidden_partner_is_neither_a_facet_value_nor_a_filter(catalogue_data, partners):
    facets = {f.param: f for f in catalogue_facets(CatalogueFilters(), lang="en")}
    slugs = {v.value for v in facets["partner"].values}
    assert "rising-sun-cooperative" in slugs
    assert "secret-shelter" not in slugs
    result = catalogue(
        CatalogueFilters.from_querydict(QueryDict("partner=secret-shelter")), lang="en"
    )
    assert result.filters.partner == ()
    assert any("secret-shelter" in m for m in result.messages)
    assert result.total == public_activities().count()


def test_invalid_values_are_flagged_and_ignored():
    filters = CatalogueFilters.from_querydict(
        QueryDict("country=sn&country=ZZ&year=19x&sdg=18&sort=cheapest&page=two&partner=Bad Slug")
    )
    assert filters.country == ("SN",)
    assert filters.year == () and filters.sdg == () and filters.partner == ()
    assert filters.sort == "" and filters.page == 1
    text = " ".join(filters.messages)
    for bad in ("ZZ", "19x", "18", "cheapest", "two", "Bad Slug"):
        assert f"“{bad}”" in text
    assert "(country)" in text and "(year)" in text


def test_sort_orders(catalogue_data):
    def titles(sort):
        filters = CatalogueFilters.from_querydict(
            QueryDict(f"org={catalogue_data[0].reporting_org.slug}&sort={sort}")
        )
        return [a.title["en"] for a in catalogue(filters, lang="en").page.object_list]

    assert titles("title") == [
        "Cooperation among the craftswomen of Dakar",
        "Drinking water in Thiès",
        "Schools in Bethlehem",
        "Training in Bolivia",
    ]
    assert titles("-start")[:3] == [
        "Schools in Bethlehem",
        "Drinking water in Thiès",
        "Cooperation among the craftswomen of Dakar",
    ]
    assert titles("end")[0] == "Training in Bolivia"


def test_sector_groups_are_the_first_three_digits():
    # The oracle above groups DAC codes by their first three digits: the codelist must agree.
    sectors = registry.get("Sector")
    assert all(sectors.category(code) == code[:3] for code in sectors.items)


def test_activity_url_points_to_the_section_of_its_authority(catalogue_data):
    from wagtail.models import Locale

    from opencoop.activities.models import Activity

    agata = Activity.objects.get(slug="agata-smeralda-salvador-bahia")
    it, en = Locale.objects.get(language_code="it"), Locale.objects.get(language_code="en")
    assert activity_url(agata, it).endswith(
        "/cooperazione-decentrata/progetti/agata-smeralda-salvador-bahia/"
    )
    assert activity_url(agata, en).endswith(
        "/decentralized-cooperation/projects/agata-smeralda-salvador-bahia/"
    )
    # An authority with no section has no record pages: no address rather than a guess.
    assert RecordLinks(it).url(catalogue_data[0]) == ""


def test_filters_parse_a_plain_mapping_too():
    # The API and the downloads may pass a dict of lists or of single values.
    filters = CatalogueFilters.from_querydict(
        {"country": ["SN", "ML"], "year": "2016", "q": " donne "}
    )
    assert filters.country == ("SN", "ML") and filters.year == (2016,) and filters.q == "donne"
    assert filters.querystring() == "?q=donne&year=2016&country=SN&country=ML"


@pytest.mark.parametrize("array_from", [100, 1], ids=["ids-listed", "ids-as-one-array"])
@pytest.mark.parametrize("query", ["q=women", "q=women&country=SN", "q=donne&sdg=5"])
def test_facet_counts_of_a_word_search_equal_a_direct_count(
    catalogue_data, query, array_from, monkeypatch
):
    from opencoop.activities.models import Activity
    from opencoop.catalogue.selectors import search_ids

    # The matches go to the database as a list, or (PostgreSQL, many matches) as one array.
    monkeypatch.setattr("opencoop.core.queries.ARRAY_FROM", array_from)
    filters = CatalogueFilters.from_querydict(QueryDict(query))
    ids = search_ids(Activity.objects.all(), filters.q)
    assert ids
    result = catalogue(filters, lang="en")
    found = {pk for pk in ids if pk in set(public_activities().values_list("pk", flat=True))}
    rows = {a.pk: facet_values(a) for a in public_activities().filter(pk__in=found)}
    wanted = {p: {str(v) for v in filters.values(p)} for p in facet_values(catalogue_data[0])}
    facets = {f.param: f for f in result.facets}
    for param in wanted:
        expected: dict[str, int] = {}
        for row in rows.values():
            if all(not wanted[p] or wanted[p] & row[p] for p in wanted if p != param):
                for value in row[param]:
                    expected[value] = expected.get(value, 0) + 1
        assert {v.value: v.count for v in facets[param].values if v.count} == expected, param
    matching = [
        pk for pk, row in rows.items() if all(not w or w & row[p] for p, w in wanted.items())
    ]
    assert result.total == len(matching)
    assert {a.pk for a in result.page.object_list} == set(matching)


def test_a_search_without_matches_counts_nothing(catalogue_data):
    result = catalogue(CatalogueFilters.from_querydict(QueryDict("q=zzyzzx")), lang="en")
    assert result.total == 0
    facets = {f.param: f for f in result.facets}
    assert [(v.value, v.count) for v in facets["kind"].values] == [
        ("activity", 0),
        ("initiative", 0),
        ("exchange", 0),
    ]
    assert all(not f.values for p, f in facets.items() if p != "kind")


def test_values_with_the_same_count_and_name_keep_one_order(catalogue_data):
    facets = catalogue_facets(CatalogueFilters(), lang="en")
    for facet in facets:
        keys = [(-v.count, v.label.casefold(), v.value) for v in facet.values]
        if facet.param not in ("kind", "status", "year", "sdg"):
            assert keys == sorted(keys), facet.param


def test_sector_groups_are_the_same_in_the_catalogue_and_the_statistics(prova):
    # IATI: each vocabulary describes the whole activity, so its groups come from one of them,
    # the 5-digit codes' when it has any: 15110 gives 151, and 311 (3-digit) is not added.
    activity = make_activity(prova, sectors=("15110",))
    Sector.objects.create(activity=activity, vocabulary="2", code="311", percentage=100)
    filters = CatalogueFilters.from_querydict(QueryDict(f"org={prova.slug}"))
    facet = next(f for f in catalogue_facets(filters, lang="en") if f.param == "sector_group")
    table = by_sector_group(Scope(prova))
    activities = table.columns.index(next(c for c in table.columns if c.key == "activities"))
    assert {v.value: v.count for v in facet.values} == {"151": 1}
    assert {row.code: row.values[activities] for row in table.rows} == {"151": 1}

    def total(query: str) -> int:
        return catalogue(CatalogueFilters.from_querydict(QueryDict(query)), lang="en").total

    assert total(f"org={prova.slug}&sector_group=151") == 1
    assert total(f"org={prova.slug}&sector_group=311") == 0
    # Without 5-digit codes, the 3-digit ones are the groups.
    Sector.objects.filter(activity=activity, vocabulary="1").delete()
    facet = next(f for f in catalogue_facets(filters, lang="en") if f.param == "sector_group")
    table = by_sector_group(Scope(prova))
    assert {v.value: v.count for v in facet.values} == {"311": 1}
    assert {row.code: row.values[activities] for row in table.rows} == {"311": 1}


def test_every_sector_group_and_goal_counts_the_same_in_the_catalogue_and_the_statistics():
    from opencoop.organisations.models import Organisation
    from opencoop.stats.selectors import by_sdg

    florence = Organisation.objects.get(identifier="IT-CF-01307110484")
    filters = CatalogueFilters.from_querydict(QueryDict(f"org={florence.slug}"))
    facets = {f.param: f for f in catalogue_facets(filters, lang="en")}
    for param, table in (
        ("sector_group", by_sector_group(Scope(florence))),
        ("sdg", by_sdg(Scope(florence))),
    ):
        keys = [c.key for c in table.columns]
        figures = {row.code: row.values[keys.index("activities")] for row in table.rows if row.code}
        assert figures, param
        assert {v.value: v.count for v in facets[param].values} == figures, param


# Queries of one page of results, chrome aside: the rows left stale, the counts (one query for
# the total and every facet), the page of rows, its activities and their parts (one query on
# PostgreSQL); the words add the spelling check of the query's words and the count of their
# entries in the words' key (``sample_step``: whether the counts are estimated).
PAGE_QUERIES = {
    "": 5,
    "country=SN&sector_group=151": 5,
    "q=women&country=SN": 7,
}


@pytest.mark.parametrize("query", PAGE_QUERIES)
def test_a_page_of_results_reads_a_fixed_number_of_queries(catalogue_data, query):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("the figures are PostgreSQL's: elsewhere each part is a query of its own")
    filters = CatalogueFilters.from_querydict(QueryDict(query))
    catalogue(filters, lang="en")  # rows the fixture left stale are written again first
    with CaptureQueriesContext(connection) as queries:
        result = catalogue(filters, lang="en")
    assert result.page.object_list  # a page with results, their parts read
    assert len(queries) == PAGE_QUERIES[query], [q["sql"][:80] for q in queries]
