"""The catalogue's rows: kept in step with publication, and the same answers as the records.

A row's facet arrays are compared, value by value, with the filters written straight over the
activities' parts (the Exists filters the catalogue used before its rows), on the Florence demo
and on a generated authority; the counts kept per key, facet by facet, with the counts of the
rows themselves, after each way a row is written.
"""

from __future__ import annotations

import datetime
import functools
import json
import operator
from dataclasses import replace

import pytest
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce

from opencoop.access import policy
from opencoop.activities.derived import with_sdg_goals, with_sector_groups
from opencoop.activities.disclosure import named_participations, public_activities
from opencoop.activities.models import PolicyMarker, RecipientCountry, SdgTag, Sector
from opencoop.catalogue import rows
from opencoop.catalogue.filters import CatalogueFilters
from opencoop.catalogue.regions import continents
from opencoop.catalogue.row_models import (
    ARRAY_FACETS,
    PAIRED_FACETS,
    CatalogueCount,
    CataloguePairCount,
    CatalogueRow,
)
from opencoop.catalogue.selectors import (
    _count_all,
    _count_kept,
    _count_rows,
    catalogue,
    filter_activities,
    filter_rows,
    kept_given,
    kept_total,
)
from opencoop.demo.generator import generate
from opencoop.exchanges.models import Exchange
from opencoop.initiatives.models import Initiative
from opencoop.organisations.models import Organisation
from opencoop.partnerships.models import Partnership
from tests.factories import ExchangeFactory, InitiativeFactory, make_published_activity

from .conftest import CATALOGUE_EN, soup_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_authority")]


def _exists(model, condition: Q) -> Exists:
    return Exists(model.objects.filter(condition, activity=OuterRef("pk")))


def _years(values) -> Q:
    return functools.reduce(
        operator.or_,
        (
            Q(catalogue_start__lte=datetime.date(int(year), 12, 31))
            & Q(catalogue_end__gte=datetime.date(int(year), 1, 1))
            for year in values
        ),
    )


# The filters as written over the parts, one Exists per facet (the oracle).
ORACLE = {
    "status": lambda qs, v: qs.filter(status__in=v),
    "year": lambda qs, v: qs.filter(_years(v)),
    "region": lambda qs, v: qs.filter(
        _exists(RecipientCountry, Q(code__in=[c for r in v for c in continents()[r]]))
    ),
    "country": lambda qs, v: qs.filter(_exists(RecipientCountry, Q(code__in=v))),
    "sector_group": lambda qs, v: qs.filter(
        Exists(
            with_sector_groups(Sector.objects.filter(activity=OuterRef("pk"))).filter(
                sector_group__in=v
            )
        )
    ),
    "sector": lambda qs, v: qs.filter(_exists(Sector, Q(vocabulary="1", code__in=v))),
    "sdg": lambda qs, v: qs.filter(
        Exists(
            with_sdg_goals(SdgTag.objects.filter(activity=OuterRef("pk"))).filter(sdg_goal__in=v)
        )
    ),
    "sdg_target": lambda qs, v: qs.filter(_exists(SdgTag, Q(vocabulary="3", code__in=v))),
    "marker": lambda qs, v: qs.filter(_exists(PolicyMarker, Q(code__in=v) & ~Q(significance="0"))),
    "partner": lambda qs, v: qs.filter(
        Exists(
            named_participations()
            .filter(activity=OuterRef("pk"), organisation__slug__in=v)
            .exclude(organisation_id=OuterRef("reporting_org_id"))
        )
    ),
    "partnership": lambda qs, v: qs.filter(
        partnership_id__in=policy.public(Partnership).filter(pk__in=v).values("pk")
    ),
    "org": lambda qs, v: qs.filter(reporting_org__slug__in=v),
}
# The facets whose row holds their keys as they are (a row keeps partners by id: see below).
COLUMNS = {param: column for param, column in ARRAY_FACETS.items() if param != "partner"}


def oracle_ids(param: str, value) -> set[int]:
    qs = public_activities().alias(
        catalogue_start=Coalesce("actual_start", "planned_start", "actual_end", "planned_end"),
        catalogue_end=Coalesce("actual_end", "planned_end", "actual_start", "planned_start"),
    )
    return set(ORACLE[param](qs, (value,)).values_list("pk", flat=True))


def values_in_rows() -> dict[str, set]:
    """Every value each facet takes in the activities' rows, and a few that no row takes."""
    found: dict[str, set] = {param: set() for param in ORACLE}
    activity_rows = CatalogueRow.objects.filter(kind="activity")
    for row in activity_rows:
        for param, column in COLUMNS.items():
            found[param] |= set(getattr(row, column))
        if row.status:
            found["status"].add(row.status)
        if row.partnership_id:
            found["partnership"].add(row.partnership_id)
    slugs = dict(Organisation.objects.values_list("pk", "slug"))
    for row in activity_rows:
        found["partner"] |= {slugs[int(pk)] for pk in row.partners}
        found["org"].add(slugs[row.authority_id])
    found["country"].add("AQ")
    found["partner"].add("no-such-partner")
    return found


def assert_rows_answer_as_the_parts():
    checked = 0
    for param, values in values_in_rows().items():
        for value in values:
            typed = int(value) if param in ("year", "partnership") else value
            filters = CatalogueFilters(**{param: (typed,)})
            got = set(filter_activities(filters).values_list("pk", flat=True))
            assert got == oracle_ids(param, value), (param, value)
            checked += 1
    assert checked > 30


def test_the_demo_s_rows_answer_every_filter_as_its_parts_do():
    assert CatalogueRow.objects.filter(kind="activity").count() == public_activities().count()
    assert_rows_answer_as_the_parts()


def test_a_generated_authority_s_rows_answer_every_filter_as_its_parts_do():
    generate(activities=30, authorities=1, seed=7, index=False, pages=False)
    assert CatalogueRow.objects.filter(kind="activity").count() == public_activities().count()
    assert_rows_answer_as_the_parts()


def counts_of(counted) -> tuple[int, dict]:
    total, facets = counted
    return total, {param: sorted(rows) for param, rows in facets.items()}


def assert_kept_counts_are_the_rows_counts(filters=None, today=None) -> int:
    """Compare the kept counts with the rows' for ``filters`` and a few filters they answer."""
    authority = CatalogueRow.objects.filter(kind="activity").order_by("pk").first().authority
    cases = [
        filters or CatalogueFilters(),
        CatalogueFilters(kind=("initiative", "exchange")),
        CatalogueFilters(org=(authority.slug,)),
        CatalogueFilters(org=(authority.slug,), kind=("activity", "exchange")),
        CatalogueFilters(within=frozenset({authority.pk})),
        CatalogueFilters(within=frozenset()),
    ]
    for case in cases:
        kept = counts_of(_count_kept(case, today))
        assert kept == counts_of(_count_rows(case, None, today)), case
    assert_pair_counts_are_the_rows_counts(cases[0], today)
    return counts_of(_count_kept(cases[0], today))[0]


def _typed(param: str, key: str):
    return int(key) if param == "year" else key  # as the filters parse it


def assert_pair_counts_are_the_rows_counts(filters: CatalogueFilters, today=None) -> int:
    """Tick each code the rows hold, alone and with a second one: the counts from the pair
    counts are those of the rows. Return how many selections were compared."""
    _total, facets = counts_of(_count_kept(filters, today))
    ticked = [(param, key) for param in PAIRED_FACETS for key, _extra, _n in facets.get(param, [])]
    compared = 0
    for param, key in ticked:
        one = replace(filters, **{param: (_typed(param, key),)})
        assert kept_given(one, None) == (param, key)
        rows_total = _count_rows(one, None, today)[0]
        assert kept_total(one, today=today, given=(param, key)) == rows_total, one
        assert counts_of(_count_all(one, None, today)[:2]) == counts_of(
            _count_rows(one, None, today)
        ), one
        compared += 1
    # Two codes of two facets: each facet counted among the rows holding the other's code.
    for (param, key), (other, other_key) in zip(ticked, ticked[1:] + ticked[:1], strict=True):
        if param == other:
            continue
        two = replace(filters, **{param: (_typed(param, key),), other: (_typed(other, other_key),)})
        assert counts_of(_count_all(two, None, today)[:2]) == counts_of(
            _count_rows(two, None, today)
        ), two
        compared += 1
    return compared


def test_the_kept_counts_are_the_rows_counts_on_the_demo_and_a_generated_authority():
    generate(activities=30, authorities=1, seed=7, index=False, pages=False)
    total, facets = counts_of(_count_kept(CatalogueFilters(), None))
    assert total == public_activities().count() > 30
    # Every facet the generated activities fall in has counts to compare.
    assert all(facets[param] for param in ("kind", "status", "year", "country", "sector", "org"))
    assert facets["partner"] and facets["sdg_target"] and facets["marker"]
    assert_kept_counts_are_the_rows_counts()


def test_the_kept_counts_follow_publication_edits_embargoes_and_deletion(prova, partners):
    before = assert_kept_counts_are_the_rows_counts()
    activity = make_published_activity(
        prova,
        countries=("NP",),
        sectors=("15170",),
        partners=((partners["visible"], True), (partners["hidden"], False)),
        status="2",
    )
    assert assert_kept_counts_are_the_rows_counts() == before + 1
    nepal = CatalogueCount.objects.get(authority=prova, facet="country", facet_key="NP")
    assert nepal.n == 1
    activity.recipient_countries.all().delete()  # outside publication: the row is stale
    RecipientCountry.objects.create(activity=activity, code="BT")
    assert not CatalogueCount.objects.filter(facet="country", facet_key="NP").exists()
    assert assert_kept_counts_are_the_rows_counts() == before
    rows.refresh_stale()
    assert CatalogueCount.objects.get(authority=prova, facet="country", facet_key="BT").n == 1
    assert assert_kept_counts_are_the_rows_counts() == before + 1
    activity.unpublish()
    assert assert_kept_counts_are_the_rows_counts() == before
    end = datetime.date(2031, 5, 1)
    embargoed = make_published_activity(prova, countries=("NP",), embargo_until=end)
    day_before = end - datetime.timedelta(days=1)
    assert assert_kept_counts_are_the_rows_counts(today=day_before) == before
    assert assert_kept_counts_are_the_rows_counts(today=end) == before + 1
    embargoed.delete()
    assert assert_kept_counts_are_the_rows_counts(today=end) == before


def test_counting_again_gives_the_kept_counts(prova):
    make_published_activity(prova, countries=("NP",), sectors=("15170",))

    def snapshot():
        return sorted(
            CatalogueCount.objects.values_list(
                "authority_id", "kind", "public_from", "facet", "facet_key", "n"
            )
        )

    kept = snapshot()
    assert rows.recount() == CatalogueRow.objects.filter(stale=False).count()
    assert snapshot() == kept
    rows.rebuild()
    assert snapshot() == kept


def test_the_unfiltered_catalogue_counts_no_row(prova):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counting_rows(queries) -> list:
        # The facet keys of catalogue rows unnested (the parts of a page's activities are read
        # by ids unnested too: not a count).
        return [
            q
            for q in queries.captured_queries
            if "catalogue_" in q["sql"] and ("json_each" in q["sql"] or "unnest" in q["sql"])
        ]

    with CaptureQueriesContext(connection) as unfiltered:
        result = catalogue(CatalogueFilters(), lang="en")
    assert result.total == public_activities().count()
    assert not counting_rows(unfiltered)
    held = CatalogueRow.objects.filter(kind="activity", stale=False).exclude(countries=[])
    country = held.values_list("countries", flat=True).first()[0]
    # One code ticked: the other facets from the pair counts, no row counted either.
    with CaptureQueriesContext(connection) as one_code:
        result = catalogue(CatalogueFilters(country=(country,)), lang="en")
    assert result.total == filter_rows(CatalogueFilters(country=(country,))).count() > 0
    assert not counting_rows(one_code)
    # Two codes of one facet (either of them): the rows are counted.
    with CaptureQueriesContext(connection) as filtered:
        catalogue(CatalogueFilters(country=(country, "SN")), lang="en")
    assert counting_rows(filtered)
    # Two facets: each counted among the rows holding the other's code, from the pair counts;
    # the rows holding both are counted for the rest.
    with CaptureQueriesContext(connection) as two_facets:
        catalogue(CatalogueFilters(country=(country,), status=("2",)), lang="en")
    counted = " ".join(q["sql"] for q in counting_rows(two_facets))
    assert "catalogue_without_country" not in counted
    assert "catalogue_without_status" not in counted
    assert CataloguePairCount._meta.db_table in counted


def test_rebuilding_gives_the_same_rows():
    def snapshot():
        return sorted(
            (r.kind, r.record_id, r.public_from, tuple(r.countries), tuple(r.partners), r.status)
            for r in CatalogueRow.objects.all()
        )

    before = snapshot()
    counts = rows.rebuild()
    assert snapshot() == before
    assert counts["activity"] == public_activities().count()
    assert counts["initiative"] == policy.public(Initiative).count()
    assert counts["exchange"] == policy.public(Exchange).count()


def nepal_total(client, query: str = "") -> str:
    soup = soup_of(client, CATALOGUE_EN + "?country=NP" + query)
    return soup.select_one("h2#results-heading").get_text(" ", strip=True)


def test_publish_and_unpublish_change_the_row_and_the_counts_on_the_next_request(client, prova):
    assert nepal_total(client).startswith("0 projects found")
    activity = make_published_activity(prova, title={"en": "Wells in Nepal"}, countries=("NP",))
    row = CatalogueRow.objects.get(kind="activity", record_id=activity.pk)
    assert row.countries == ["NP"] and row.regions == ["142"]
    assert nepal_total(client).startswith("1 projects found") or nepal_total(client).startswith(
        "1 project found"
    )
    activity.unpublish()
    assert not CatalogueRow.objects.filter(kind="activity", record_id=activity.pk).exists()
    assert nepal_total(client).startswith("0 projects found")


def test_a_part_changed_outside_publication_is_read_at_the_next_request(client, prova):
    activity = make_published_activity(prova, countries=("NP",))
    activity.recipient_countries.all().delete()
    RecipientCountry.objects.create(activity=activity, code="BT")
    assert CatalogueRow.objects.get(kind="activity", record_id=activity.pk).stale
    assert nepal_total(client).startswith("0 projects found")
    row = CatalogueRow.objects.get(kind="activity", record_id=activity.pk)
    assert not row.stale and row.countries == ["BT"]


def test_an_embargo_that_ends_counts_the_activity_from_that_day(prova):
    end = datetime.date(2031, 5, 1)
    activity = make_published_activity(prova, countries=("NP",), embargo_until=end)
    row = CatalogueRow.objects.get(kind="activity", record_id=activity.pk)
    assert row.public_from == end
    filters = CatalogueFilters(country=("NP",))
    day_before = catalogue(filters, lang="en", today=end - datetime.timedelta(days=1))
    assert day_before.total == 0
    that_day = catalogue(filters, lang="en", today=end)
    assert that_day.total == 1
    assert [a.pk for a in that_day.page.object_list] == [activity.pk]


def publish(record):
    record.save_revision().publish()
    return record


def test_the_kind_facet_counts_initiatives_and_exchanges(client, prova):
    initiative = publish(
        InitiativeFactory(reporting_org=prova, title={"en": "Nepali film week"}, live=False)
    )
    initiative.countries.create(code="NP")
    publish(initiative)
    exchange = publish(
        ExchangeFactory(
            reporting_org=prova, title={"en": "Delegation from Kathmandu"}, country="NP"
        )
    )
    make_published_activity(prova, countries=("NP",))
    result = catalogue(CatalogueFilters(country=("NP",)), lang="en")
    kinds = {v.value: v.count for v in result.facets[0].values}
    assert result.facets[0].param == "kind"
    assert kinds == {"activity": 1, "initiative": 1, "exchange": 1}
    assert result.total == 1  # projects unless another kind is ticked

    everything = catalogue(CatalogueFilters(), lang="en")
    kinds = {v.value: v.count for v in everything.facets[0].values}
    assert kinds["initiative"] == policy.public(Initiative).count()
    assert kinds["exchange"] == policy.public(Exchange).count()

    both = catalogue(CatalogueFilters(country=("NP",), kind=("initiative", "exchange")), lang="en")
    assert {(r.catalogue_kind, r.pk) for r in both.page.object_list} == {
        ("initiative", initiative.pk),
        ("exchange", exchange.pk),
    }
    soup = soup_of(client, CATALOGUE_EN + "?country=NP&kind=initiative&kind=exchange")
    titles = [h.get_text(strip=True) for h in soup.select("ul.oc-results h3")]
    assert sorted(titles) == ["Delegation from Kathmandu", "Nepali film week"]
    assert (
        soup.select_one("h2#results-heading")
        .get_text(" ", strip=True)
        .startswith("2 records found")
    )


def test_initiatives_and_exchanges_are_found_by_words_and_link_to_their_pages(client):
    initiative = policy.public(Initiative).order_by("pk").first()  # the demo's
    word = initiative.title["it"].split()[-1]
    soup = soup_of(client, CATALOGUE_EN + "?kind=initiative&q=" + word)
    links = [a["href"] for a in soup.select("ul.oc-results h3 a")]
    assert links, word
    assert client.get(links[0]).status_code == 200


def test_every_page_of_the_api_by_cursor_gives_the_list_by_pages(client):
    by_pages, page = [], 1
    while True:
        data = json.loads(client.get(f"/api/v1/activities?page_size=7&page={page}").content)
        by_pages += [a["iati_identifier"] for a in data["results"]]
        if not data["next"]:
            break
        page += 1
    by_cursor, cursor = [], ""
    while cursor is not None:
        data = json.loads(client.get(f"/api/v1/activities?page_size=7&cursor={cursor}").content)
        by_cursor += [a["iati_identifier"] for a in data["results"]]
        cursor = data["next_cursor"]
    assert by_cursor == by_pages
    assert len(by_pages) == public_activities().count()


def test_a_cursor_not_written_by_the_list_is_refused(client):
    response = client.get("/api/v1/activities?cursor=bm90LWEtY3Vyc29y")
    assert response.status_code == 400
    assert "cursor" in json.loads(response.content)["detail"]


def test_word_search_counts_every_match(prova):
    for n in range(3):
        make_published_activity(prova, title={"en": f"Mangrove nursery {n}"})
    filters = CatalogueFilters(q="mangroves")
    assert catalogue(filters, lang="en").total == 3
    assert filter_rows(filters, readings=[["mangrov"]]).count() == 3


def test_words_lose_their_accents_and_plain_words_are_kept_as_they_are():
    written = ["fès", "città", "ñandú", "ﬁliera", "dakar", "2024", "l'avana"]

    assert [rows.fold(word) for word in written] == [
        "fes",
        "citta",
        "nandu",
        "filiera",
        "dakar",
        "2024",
        "l'avana",
    ]
    assert rows.folded_words("Scuole a Città del Guatemala") == [
        "scuole",
        "a",
        "citta",
        "del",
        "guatemala",
    ]
