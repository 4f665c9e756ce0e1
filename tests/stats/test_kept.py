"""Kept figures: equal to computing them afresh, and right on the next request after a change.

The figures of statistics, map, plans overview and country pages are read from each authority's
kept rows (``opencoop.stats.kept``). Each test compares them with a recomputation over the same
data (every kept row ignored), over generated authorities, after the changes that must refresh
them: publishing, unpublishing, making a partner unnamed (a sensitive activity), an embargo, and
a bulk write (``write_records``, as imports and harvests write). The map's points are compared
with points worked out from the locations themselves, too (``points_from_the_locations``).
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from opencoop.activities.models import Activity, Location, RecipientCountry, Transaction
from opencoop.core.multilingual import text
from opencoop.demo.generator import authority_spec, generate
from opencoop.geography.countries import CountryScope, country_partners, country_records
from opencoop.geography.selectors import map_points
from opencoop.organisations.models import Organisation
from opencoop.stats import kept
from opencoop.stats.figure_models import FigureState, KeptFigure, KeptTotal
from opencoop.stats.figures import place_key
from opencoop.stats.selectors import TABLES, Scope, by_year, plans_overview, plans_table
from tests.factories import (
    PublishedActivityFactory,
    add_location,
    make_organisation,
    make_published_activity,
    make_reporting_org,
)
from tests.stats.fixtures import point_rows, points_from_the_locations

pytestmark = pytest.mark.django_db

AUTHORITIES = 3


@pytest.fixture
def authorities(every_authority) -> list[Organisation]:
    generate(
        activities=25,
        authorities=AUTHORITIES,
        seed=5,
        index=False,
        page_authorities=1,
        on_default_site=True,
    )
    return [
        Organisation.objects.get(identifier=authority_spec(i).identifier)
        for i in range(AUTHORITIES)
    ]


def figures_of(make_scope) -> dict:
    """Return every figure the pages show for a scope: tables, plans, the map's points."""
    result = {slug: build(make_scope()) for slug, build in TABLES.items()}
    result["map"] = map_points(make_scope())
    result["plans"] = plans_table(make_scope())
    result["plans-overview"] = [
        (item.plan.pk, item.funded_count, item.allocated, item.disbursed)
        for item in plans_overview(make_scope(), shown=0)
    ]
    return result


def countries_of(codes) -> dict:
    """Return what each country's page shows from figures: money, activities, partners."""
    result = {}
    for code in codes:
        records = country_records(code)
        result[code] = (
            by_year(CountryScope(code)),
            records.activity_count,
            records.reporting_ids,
            [org.pk for org in country_partners(code, records)],
            map_points(CountryScope(code)),
        )
    return result


def country_by_the_policy(code: str) -> tuple[int, set[int]]:
    """Return a country's public activities and the partners they name, read from the records."""
    from opencoop.activities.disclosure import named_participations, public_activities

    activities = public_activities().in_country(code)
    authorities = set(activities.values_list("reporting_org_id", flat=True))
    named = set(
        named_participations()
        .filter(activity__in=activities.values("id"))
        .values_list("organisation_id", flat=True)
    )
    return activities.count(), named - authorities


def afresh(read):
    """Return ``read()`` with no kept figure used: every authority's rows computed again."""
    with transaction.atomic():
        FigureState.objects.all().delete()
        try:
            return read()
        finally:
            transaction.set_rollback(True)


def assert_kept_equal_afresh(read) -> None:
    """Check that ``read`` is served from kept rows only, and equals a recomputation."""
    kept_figures = read()
    assert kept_figures == afresh(read)


def all_kept() -> None:
    cover = kept.coverage(Scope())
    assert cover.rest is None, "some figures were read afresh"
    assert cover.kept


def countries_in_use() -> list[str]:
    from opencoop.activities.models import RecipientCountry

    return sorted(set(RecipientCountry.objects.values_list("code", flat=True)))[:6]


def json_points(rows: list[tuple]) -> list[dict]:
    """Return points (``points_from_the_locations``' shape) as the map's JSON gives them."""
    return [
        {
            "latitude": float(lat),
            "longitude": float(lon),
            "name": name,
            "country": country,
            "activities": count,
        }
        for lat, lon, name, country, count, _single in rows
    ]


def test_kept_figures_equal_a_recomputation_over_generated_authorities(authorities):
    all_kept()
    assert KeptFigure.objects.filter(table="by-country").exists()
    for make_scope in (
        Scope,
        lambda: Scope(authorities[1]),
        lambda: Scope(authorities={authorities[0].pk, authorities[2].pk}),
    ):
        assert_kept_equal_afresh(lambda make_scope=make_scope: figures_of(make_scope))
    codes = countries_in_use()
    assert codes
    assert_kept_equal_afresh(lambda: countries_of(codes))
    for code in codes:
        records = country_records(code)
        count, partners = country_by_the_policy(code)
        assert records.activity_count == count
        assert records.partner_ids - records.reporting_ids == partners
        # The places from kept rows are those of the country's activities' locations.
        assert point_rows(map_points(CountryScope(code))) == points_from_the_locations(
            CountryScope(code)
        )


def test_a_set_of_authorities_adds_up_each_authoritys_rows(authorities):
    one, two = authorities[0], authorities[1]
    both = TABLES["by-country"](Scope(authorities={one.pk, two.pk}))
    column = [c.key for c in both.columns].index("activities")
    counts = {row.code: row.values[column] for row in both.rows}
    expected: dict[str, int] = {}
    for authority in (one, two):
        table = TABLES["by-country"](Scope(authority))
        index = [c.key for c in table.columns].index("activities")
        for row in table.rows:
            expected[row.code] = expected.get(row.code, 0) + row.values[index]
    assert counts == expected


def test_publishing_a_new_activity_counts_it_on_the_next_request(authorities, client):
    authority = authorities[0]
    before = json.loads(client.get("/geography/all/map.json?lang=en").content)
    activity = make_published_activity(authority, countries=("TV",))
    all_kept()
    after = json.loads(client.get("/geography/all/map.json?lang=en").content)
    by_code = {row["code"]: row for row in after["countries"]}
    assert "TV" not in {row["code"] for row in before["countries"]}
    assert by_code["TV"]["activities"] == 1
    assert_kept_equal_afresh(lambda: figures_of(Scope))
    # Unpublished: out of every figure at once.
    activity.unpublish()
    all_kept()
    again = json.loads(client.get("/geography/all/map.json?lang=en").content)
    assert "TV" not in {row["code"] for row in again["countries"]}
    assert_kept_equal_afresh(lambda: figures_of(Scope))


def test_a_countrys_activities_and_partners_follow_publishing_and_hiding(authorities):
    authority = authorities[0]
    shown = make_organisation(name={"en": "Partner in Tuvalu", "it": "Partner a Tuvalu"})
    hidden = make_organisation(name={"en": "Hidden in Tuvalu", "it": "Nascosto a Tuvalu"})
    first = make_published_activity(authority, countries=("TV",), partners=((shown, False),))
    second = make_published_activity(
        authorities[1], countries=("TV", "SN"), partners=((shown, False), (hidden, True))
    )
    all_kept()
    assert KeptFigure.objects.filter(table=kept.COUNTRY_ORGS, country="TV").exists()
    records = country_records("TV")
    assert records.activity_count == 2 == country_by_the_policy("TV")[0]
    assert records.reporting_ids == {authority.pk, authorities[1].pk}
    assert [org.pk for org in country_partners("TV", records)] == [shown.pk]
    assert country_by_the_policy("TV")[1] == {shown.pk}
    assert_kept_equal_afresh(lambda: countries_of(["TV", "SN"]))
    # Places added by hand mark the figures out of date; the job keeps them again.
    add_location(first, "Funafuti", "-8.5211", "179.1983", "TV")
    add_location(second, "Funafuti port", "-8.5249", "179.1962", "TV")
    assert FigureState.objects.get(authority=authority).dirty
    assert [(p.count, text(p.name)) for p in map_points(CountryScope("TV"))] == [(2, "Funafuti")]
    kept.refresh_outdated()
    all_kept()
    assert point_rows(map_points(CountryScope("TV"))) == points_from_the_locations(
        CountryScope("TV")
    )
    assert_kept_equal_afresh(lambda: countries_of(["TV", "SN"]))
    # The second one hides its places (published through Wagtail): the first is alone there.
    latest = second.get_latest_revision_as_object()
    latest.hide_exact_locations = True
    latest.save_revision().publish()
    all_kept()
    [point] = map_points(CountryScope("TV"))
    assert (point.count, point.single) == (1, first)
    assert_kept_equal_afresh(lambda: countries_of(["TV", "SN"]))
    # Unpublished: the country's count, partners and places drop it on the next read.
    first.unpublish()
    second.unpublish()
    all_kept()
    records = country_records("TV")
    assert (records.activity_count, records.partner_ids) == (0, frozenset())
    assert map_points(CountryScope("TV")) == []
    assert_totals_add_up()
    assert_kept_equal_afresh(lambda: countries_of(["TV", "SN"]))


def test_an_embargoed_activity_is_not_counted_until_its_day(authorities):
    authority = authorities[0]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    make_published_activity(authority, countries=("TV",), embargo_until=tomorrow)
    table = TABLES["by-country"](Scope())
    assert "TV" not in {row.code for row in table.rows}
    state = FigureState.objects.get(authority=authority)
    assert state.valid_until == tomorrow and not state.dirty
    # On its day the kept rows no longer hold: that authority is read afresh, and counts it.
    day_after = Scope(today=tomorrow)
    assert "TV" in {row.code for row in TABLES["by-country"](day_after).rows}
    state.valid_until = timezone.localdate()
    state.save()
    cover = kept.coverage(Scope())
    assert authority.pk not in cover.kept and cover.rest is not None


def test_making_a_partner_unnamed_moves_it_to_the_undisclosed_row(authorities):
    authority = authorities[0]
    partner = make_organisation(name={"en": "Partner Z", "it": "Partner Z"}, type="22")
    activity = make_published_activity(authority, countries=("TV",), partners=((partner, False),))
    table = TABLES["by-partner-type"](Scope(authority))
    codes = {row.code for row in table.rows}
    assert "22" in codes
    latest = activity.get_latest_revision_as_object()
    for participation in latest.participating_orgs.all():
        if participation.organisation_id == partner.pk:
            participation.hide_name = True
    latest.save_revision().publish()
    all_kept()
    table = TABLES["by-partner-type"](Scope(authority))
    assert_kept_equal_afresh(lambda: TABLES["by-partner-type"](Scope(authority)))
    assert "undisclosed" in {row.code for row in table.rows}
    assert_kept_equal_afresh(lambda: figures_of(Scope))


def test_a_row_changed_outside_the_write_paths_is_read_afresh(authorities):
    authority = authorities[1]
    activity = Activity.objects.filter(reporting_org=authority, live=True).first()
    Transaction.objects.create(
        activity=activity, type="3", date=datetime.date(2024, 5, 1), value=Decimal("12345.67")
    )
    assert FigureState.objects.get(authority=authority).dirty
    cover = kept.coverage(Scope())
    assert authority.pk not in cover.kept
    assert_kept_equal_afresh(lambda: figures_of(Scope))
    kept.refresh_outdated()
    all_kept()
    assert_kept_equal_afresh(lambda: figures_of(Scope))


def test_a_bulk_write_refreshes_the_authorities_it_wrote(authorities):
    # The generator writes through write_records, as imports and harvests do: generating the
    # second authority again with another seed changes every one of its activities.
    before = TABLES["by-country"](Scope(authorities[1]))
    generate(activities=10, authorities=2, seed=99, index=False, pages=False)
    all_kept()
    after = TABLES["by-country"](Scope(authorities[1]))
    assert after != before
    assert_kept_equal_afresh(lambda: figures_of(Scope))
    assert_kept_equal_afresh(lambda: countries_of(countries_in_use()))


def test_a_new_authority_without_kept_figures_is_read_afresh(authorities):
    newcomer = make_reporting_org(identifier="XI-TEST-NEW", name={"en": "New", "it": "Nuovo"})
    make_published_activity(newcomer, countries=("TV",))
    kept.forget([newcomer.pk])  # as before its figures were ever kept
    table = TABLES["by-country"](Scope())
    assert "TV" in {row.code for row in table.rows}
    assert_kept_equal_afresh(lambda: figures_of(Scope))


def test_an_authority_with_drafts_only_reads_nothing_afresh_until_it_publishes(authorities):
    newcomer = make_reporting_org(identifier="XI-TEST-DRAFT", name={"en": "Draft", "it": "Bozza"})
    draft = make_published_activity(newcomer, countries=("TV",), publish=False)
    kept.forget([newcomer.pk])  # as before its figures were ever kept
    all_kept()
    assert "TV" not in {row.code for row in TABLES["by-country"](Scope()).rows}
    # Published through Wagtail: its figures are refreshed and counted on the next read.
    draft.save_revision().publish()
    all_kept()
    assert newcomer.pk in kept.coverage(Scope()).kept
    assert "TV" in {row.code for row in TABLES["by-country"](Scope()).rows}
    assert_kept_equal_afresh(lambda: figures_of(Scope))


def test_deleting_an_activity_takes_it_out_of_the_next_figures(authorities):
    authority = authorities[2]
    make_published_activity(authority, countries=("TV",))
    Activity.objects.get(reporting_org=authority, recipient_countries__code="TV").delete()
    assert FigureState.objects.get(authority=authority).dirty
    assert "TV" not in {row.code for row in TABLES["by-country"](Scope()).rows}
    assert_kept_equal_afresh(lambda: figures_of(Scope))


def test_the_command_refreshes_every_authority(authorities):
    from io import StringIO

    from django.core.management import call_command

    KeptFigure.objects.all().delete()
    FigureState.objects.all().delete()
    out = StringIO()
    call_command("refresh_figures", "--all", stdout=out)
    assert f"{FigureState.objects.count()} authorities" in out.getvalue()
    assert FigureState.objects.count() >= AUTHORITIES
    all_kept()
    assert_kept_equal_afresh(lambda: figures_of(Scope))


def test_the_statistics_page_says_when_its_figures_were_computed(authorities, client):
    from bs4 import BeautifulSoup

    from opencoop.stats.models import StatisticsPage

    page = StatisticsPage.objects.live().filter(locale__language_code="en").first()
    soup = BeautifulSoup(client.get(page.url).content, "html.parser")
    stamp = soup.select_one("[data-figures-as-of]")
    assert stamp is not None and "Figures as of" in stamp.get_text()
    refreshed = FigureState.objects.get(authority=page.reporting_org).refreshed_at
    shown = datetime.datetime.fromisoformat(stamp["data-figures-as-of"])
    assert abs(shown - refreshed) < datetime.timedelta(seconds=1)


def test_an_iati_import_is_in_the_figures_of_the_next_request(authorities, client):
    from pathlib import Path

    from opencoop.iati.importer import import_activity_file

    data = Path(__file__).resolve().parent.parent / "data" / "iati" / "foreign-2.02.xml"
    report = import_activity_file(stream=data.open("rb"))
    assert report.ok and len(report.created) == 3
    imported = Activity.objects.get(iati_identifier="XI-EXAMPLE-NGO2-A")
    all_kept()
    assert KeptFigure.objects.filter(authority_id=imported.reporting_org_id).exists()
    assert_kept_equal_afresh(lambda: figures_of(Scope))
    data_all = json.loads(client.get("/geography/all/map.json?lang=en").content)
    counted = sum(row["activities"] for row in data_all["countries"])
    assert counted == sum(
        row.values[[c.key for c in table.columns].index("activities")]
        for table in [afresh(lambda: TABLES["by-country"](Scope()))]
        for row in table.rows
    )


# --- The totals over every authority ------------------------------------------------------------


def assert_totals_add_up() -> None:
    """Check that the totals are exactly the sum of every authority's kept rows."""
    assert KeptTotal.objects.exists()
    assert kept.totals_differ() == {}


def test_a_page_over_every_authority_reads_the_totals_not_each_authoritys_rows(authorities):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert_totals_add_up()
    cover = kept.coverage(Scope())
    assert cover.totals and cover.taken_out == frozenset() and cover.rest is None
    with CaptureQueriesContext(connection) as queries:
        tables = {slug: build(Scope()) for slug, build in TABLES.items()}
    kept_table = KeptFigure._meta.db_table
    assert not [q["sql"] for q in queries if kept_table in q["sql"]]
    assert tables == afresh(lambda: {slug: build(Scope()) for slug, build in TABLES.items()})
    # One authority: its own rows, not the totals.
    assert not kept.coverage(Scope(authorities[0])).totals


def test_the_totals_stay_the_sum_after_publishing_unpublishing_and_an_embargo(authorities):
    authority = authorities[0]
    activity = make_published_activity(authority, countries=("TV",))
    assert_totals_add_up()
    assert KeptTotal.objects.filter(table="by-country", code="TV").exists()
    activity.unpublish()
    assert_totals_add_up()
    assert not KeptTotal.objects.filter(table="by-country", code="TV").exists()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    make_published_activity(authorities[2], countries=("TV",), embargo_until=tomorrow)
    assert_totals_add_up()
    # Embargoed: in no total, and not on the page over every authority.
    assert not KeptTotal.objects.filter(code="TV").exists()
    assert "TV" not in {row.code for row in TABLES["by-country"](Scope()).rows}
    assert_kept_equal_afresh(lambda: figures_of(Scope))


def test_the_totals_stay_the_sum_after_a_bulk_write_of_several_authorities(authorities):
    generate(activities=10, authorities=2, seed=99, index=False, pages=False)
    assert_totals_add_up()
    all_kept()
    assert kept.coverage(Scope()).totals
    assert_kept_equal_afresh(lambda: figures_of(Scope))
    assert_kept_equal_afresh(lambda: countries_of(countries_in_use()))


def test_an_authority_out_of_date_is_taken_off_the_totals_and_read_afresh(authorities):
    authority = authorities[1]
    activity = make_published_activity(authority, countries=("TV",))
    # Deleted outside the write paths that refresh: its authority's kept rows are dirty.
    Activity.objects.filter(pk=activity.pk).delete()
    assert FigureState.objects.get(authority=authority).dirty
    # The totals still hold its rows (TV among them) until it is refreshed...
    assert KeptTotal.objects.filter(table="by-country", code="TV").exists()
    cover = kept.coverage(Scope())
    assert cover.totals and cover.taken_out == {authority.pk} and cover.rest is not None
    # ...but the page over every authority takes them off and reads that authority afresh.
    assert "TV" not in {row.code for row in TABLES["by-country"](Scope()).rows}
    assert_kept_equal_afresh(lambda: figures_of(Scope))
    assert_kept_equal_afresh(lambda: countries_of(countries_in_use()))
    kept.refresh_outdated()
    assert_totals_add_up()
    assert not KeptTotal.objects.filter(code="TV").exists()
    all_kept()


def test_forgetting_or_deleting_an_authority_takes_its_rows_off_the_totals(authorities):
    newcomer = make_reporting_org(identifier="XI-TEST-GONE", name={"en": "Gone", "it": "Via"})
    activity = make_published_activity(newcomer, countries=("TV",))
    assert KeptTotal.objects.filter(table="by-country", code="TV").exists()
    kept.forget([newcomer.pk])
    assert_totals_add_up()
    assert not KeptTotal.objects.filter(code="TV").exists()
    kept.refresh([newcomer.pk])
    assert KeptTotal.objects.filter(table="by-country", code="TV").exists()
    Activity.objects.filter(pk=activity.pk).delete()
    newcomer.delete()
    assert_totals_add_up()
    assert not KeptTotal.objects.filter(code="TV").exists()


def test_refreshing_every_authority_writes_the_totals_again(authorities):
    from io import StringIO

    from django.core.management import CommandError, call_command

    KeptTotal.objects.all().delete()
    with pytest.raises(CommandError, match="totals differ"):
        call_command("refresh_figures", "--check", stdout=StringIO())
    kept.refresh_all()
    assert_totals_add_up()
    out = StringIO()
    call_command("refresh_figures", "--check", stdout=out)
    assert "are the sum" in out.getvalue()


def test_the_comparison_by_authority_reads_each_authoritys_kept_rows(authorities):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from opencoop.stats.selectors import by_authority

    assert KeptFigure.objects.filter(table=kept.AUTHORITY).exists()
    with CaptureQueriesContext(connection) as queries:
        table = by_authority(Scope())
    assert {a.slug for a in authorities} <= {row.code for row in table.rows}
    transactions = Transaction._meta.db_table
    assert not [q["sql"] for q in queries if transactions in q["sql"]]
    assert_kept_equal_afresh(lambda: by_authority(Scope()))
    # Out of date: read afresh, the same table.
    Transaction.objects.create(
        activity=Activity.objects.filter(reporting_org=authorities[0], live=True).first(),
        type="3",
        date=datetime.date(2024, 5, 1),
        value=Decimal("12345.67"),
    )
    assert_kept_equal_afresh(lambda: by_authority(Scope()))


# --- The map's points -----------------------------------------------------------------------------


def publish_at(authority: Organisation, *places: tuple[str, str, str], **fields) -> Activity:
    """Publish an activity of ``authority`` in Tuvalu through a revision, at ``places``.

    ``places``: (name, latitude, longitude) of each location, in the activity's order.
    """
    from opencoop.activities.models import ParticipatingOrg

    return PublishedActivityFactory(
        reporting_org=authority,
        recipient_countries=[RecipientCountry(code="TV", percentage=None)],
        locations=[
            Location(
                name={"en": name, "it": name},
                country="TV",
                latitude=Decimal(latitude),
                longitude=Decimal(longitude),
                sort_order=order,
            )
            for order, (name, latitude, longitude) in enumerate(places)
        ],
        participating_orgs=[ParticipatingOrg(organisation=authority, role="1")],
        **fields,
    )


def map_json(client, scope: str = "all") -> dict:
    return json.loads(client.get(f"/geography/{scope}/map.json?lang=en").content)


def assert_map_from_kept_rows(client, monkeypatch, authorities) -> None:
    """Check the map's points of every authority, one, and a set, read from kept rows only.

    Computing places afresh is made to fail: the points must come from kept rows, and be those
    the locations give.
    """
    from opencoop.stats import figures

    all_kept()

    def no_reading_afresh(scope):
        raise AssertionError("the map's places were read from the locations")

    with monkeypatch.context() as patched:
        patched.setattr(figures, "place_rows", no_reading_afresh)
        assert map_json(client)["points"] == json_points(points_from_the_locations(Scope()))
        one = authorities[1]
        assert map_json(client, one.slug)["points"] == json_points(
            points_from_the_locations(Scope(one))
        )
        some = Scope(authorities={authorities[0].pk, authorities[2].pk})
        assert point_rows(map_points(some)) == points_from_the_locations(some)


def test_the_maps_points_are_read_from_kept_rows_and_are_those_of_the_locations(
    authorities, client, monkeypatch
):
    expected = points_from_the_locations(Scope())
    # Generated towns: places shared by many activities, and some by one alone.
    assert expected and expected[0][4] > 1 and expected[0][5] is None
    assert KeptTotal.objects.filter(table=kept.PLACES, country="").exists()
    assert_map_from_kept_rows(client, monkeypatch, authorities)
    # The first point's name is its lowest activity's first location there.
    latitude, longitude, name, *_rest = expected[0]
    firsts = Location.objects.filter(
        activity__in=Scope().activities().filter(hide_exact_locations=False)
    ).order_by("activity_id", "sort_order", "pk")
    first = next(
        loc for loc in firsts if place_key(loc.latitude, loc.longitude) == (latitude, longitude)
    )
    assert first.name == name


def test_the_map_page_lists_the_kept_points(authorities, client):
    from bs4 import BeautifulSoup

    from opencoop.geography.models import MapPage

    page = MapPage.objects.live().filter(locale__language_code="en").first()
    all_kept()
    soup = BeautifulSoup(client.get(page.url).content, "html.parser")
    listed = [
        (row.th.get_text(strip=True), int(row.select_one("td.text-end").get_text(strip=True)))
        for row in soup.select("#map-places tbody tr")
    ]
    expected = points_from_the_locations(page.scope())
    assert listed and listed == [(text(name), count) for _, _, name, _, count, _ in expected]


def test_the_maps_points_follow_publishing_hiding_an_embargo_and_unpublishing(
    authorities, client, monkeypatch
):
    one, two, three = authorities
    funafuti = (Decimal("-8.52"), Decimal("179.20"))

    def points_at(data: dict, place: tuple[Decimal, Decimal]) -> list[tuple[str, int]]:
        return [
            (p["name"]["en"], p["activities"])
            for p in data["points"]
            if (p["latitude"], p["longitude"]) == tuple(map(float, place))
        ]

    first = publish_at(one, ("Funafuti", "-8.5211", "179.1983"))
    assert points_at(map_json(client), funafuti) == [("Funafuti", 1)]
    assert_map_from_kept_rows(client, monkeypatch, authorities)
    # Another authority's activity at the same place (rounded): counted, named by the lowest.
    second = publish_at(two, ("Funafuti port", "-8.5249", "179.1962"))
    assert points_at(map_json(client), funafuti) == [("Funafuti", 2)]
    assert points_at(map_json(client, two.slug), funafuti) == [("Funafuti port", 1)]
    assert_map_from_kept_rows(client, monkeypatch, authorities)
    # The second hides its exact places: it is no point, and its place's name is nowhere.
    latest = second.get_latest_revision_as_object()
    latest.hide_exact_locations = True
    latest.save_revision().publish()
    assert points_at(map_json(client), funafuti) == [("Funafuti", 1)]
    assert points_at(map_json(client, two.slug), funafuti) == []
    assert "Funafuti port" not in client.get("/geography/all/map.json?lang=en").content.decode()
    assert_map_from_kept_rows(client, monkeypatch, authorities)
    # Embargoed until tomorrow: no point today, though its rows are kept until then.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    publish_at(three, ("Nukulaelae", "-9.3817", "179.8520"), embargo_until=tomorrow)
    nukulaelae = (Decimal("-9.38"), Decimal("179.85"))
    assert points_at(map_json(client), nukulaelae) == []
    assert_map_from_kept_rows(client, monkeypatch, authorities)
    assert nukulaelae in {(p.latitude, p.longitude) for p in map_points(Scope(today=tomorrow))}
    # Unpublished: its place goes on the next request.
    first.unpublish()
    assert points_at(map_json(client), funafuti) == []
    assert_map_from_kept_rows(client, monkeypatch, authorities)
    assert_totals_add_up()
    assert_kept_equal_afresh(lambda: figures_of(Scope))


def test_the_maps_points_follow_an_iati_import(authorities, client, monkeypatch):
    from pathlib import Path

    from opencoop.iati.importer import import_activity_file

    data = Path(__file__).resolve().parent.parent / "data" / "iati" / "foreign-2.01.xml"
    report = import_activity_file(stream=data.open("rb"))
    assert report.ok and report.created
    dakar = {"latitude": 14.69, "longitude": -17.45}
    imported = Location.objects.filter(activity__iati_identifier="XI-EXAMPLE-NGO1-P1").first()
    assert place_key(imported.latitude, imported.longitude) == tuple(
        Decimal(str(dakar[k])) for k in ("latitude", "longitude")
    )
    assert [p for p in map_json(client)["points"] if {k: p[k] for k in dakar} == dakar], (
        "the imported place is not on the map"
    )
    assert_map_from_kept_rows(client, monkeypatch, authorities)
    assert_totals_add_up()


def test_locations_changed_outside_the_write_paths_are_read_afresh_until_refreshed(
    authorities, client, monkeypatch
):
    activity = publish_at(authorities[0], ("Funafuti", "-8.5211", "179.1983"))
    moved = activity.locations.get()
    moved.latitude, moved.longitude = Decimal("-9.3817"), Decimal("179.8520")
    moved.save()  # as a shell or a fix would: marks the authority's figures out of date
    assert FigureState.objects.get(authority=authorities[0]).dirty
    assert map_json(client)["points"] == json_points(points_from_the_locations(Scope()))
    kept.refresh_outdated()
    assert_map_from_kept_rows(client, monkeypatch, authorities)
