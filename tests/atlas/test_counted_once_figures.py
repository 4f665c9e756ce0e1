"""Figures that leave records out: kept sums less the records' rows equal the figures read afresh.

An atlas's figures leave out the records of an activity another record already counts
(``Scope(uncounted=...)``). Each authority's kept figures are whole sums: the rows of the
records left out are taken off them. Both ways, kept and afresh, must give the same tables, and
the same as adding up the database's rows without those records.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest

from opencoop.access import policy
from opencoop.activities.models import Activity, Transaction
from opencoop.demo.generator import generate
from opencoop.stats import kept
from opencoop.stats.figure_models import FigureState
from opencoop.stats.selectors import Scope, by_country, by_sector_group, by_year

pytestmark = pytest.mark.django_db

TABLES = (by_year, by_country, by_sector_group)


def test_kept_figures_less_the_uncounted_records_equal_the_figures_afresh():
    generate(activities=15, authorities=2, seed=9, index=False)
    public = policy.public(Activity).order_by("pk")
    uncounted = set(public.filter(transactions__type="2").values_list("pk", flat=True)[:4])
    assert len(uncounted) == 4
    scope = Scope(uncounted=uncounted)
    assert kept.coverage(scope).kept  # the kept path is the one taken
    from_kept = [build(Scope(uncounted=uncounted)) for build in TABLES]
    FigureState.objects.update(dirty=True)
    assert not kept.coverage(Scope(uncounted=uncounted)).kept
    afresh = [build(Scope(uncounted=uncounted)) for build in TABLES]
    for one, other in zip(from_kept, afresh, strict=True):
        assert (one.columns, one.rows, one.footer) == (other.columns, other.rows, other.footer)
    # And the database's own rows, without the records left out.
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for row in Transaction.objects.filter(activity__in=public, type="2").exclude(
        activity__in=uncounted
    ):
        if (row.currency or row.activity.default_currency) == "EUR":
            expected[str(row.date.year)] += row.value
    year = from_kept[0]
    at = year.index("committed", "EUR")
    shown = {row.code: row.values[at] for row in year.rows}
    assert {code: value for code, value in shown.items() if value} == dict(expected)
    whole = by_year(Scope())
    assert whole.footer.values[at] > year.footer.values[at]


def test_the_maps_points_leave_the_uncounted_records_out_of_the_kept_rows(monkeypatch):
    from opencoop.activities.disclosure import with_exact_places
    from opencoop.activities.models import Location
    from opencoop.geography.selectors import map_points
    from opencoop.stats import figures
    from opencoop.stats.figures import place_key
    from tests.stats.fixtures import point_rows, points_from_the_locations

    generate(activities=15, authorities=2, seed=9, index=False)
    # A name each location (the generator's share their town's), so that a place named by the
    # wrong activity shows. Names are not figures: the kept rows still hold.
    for pk in Location.objects.values_list("pk", flat=True):
        Location.objects.filter(pk=pk).update(name={"en": f"Place {pk}", "it": f"Luogo {pk}"})
    whole = points_from_the_locations(Scope())
    shared = [point[:2] for point in whole if point[4] > 1][:3]
    assert len(shared) == 3
    # The first record at each of the places several share: the next one must name it.
    firsts: dict[tuple, int] = {}
    for location in Location.objects.filter(
        activity__in=with_exact_places(Scope().activities()), latitude__isnull=False
    ).order_by("activity_id"):
        firsts.setdefault(place_key(location.latitude, location.longitude), location.activity_id)
    uncounted = {firsts[key] for key in shared}
    scope = Scope(uncounted=uncounted)
    assert kept.coverage(scope).kept
    read_afresh = []
    real_place_rows = figures.place_rows

    def place_rows(scope):
        read_afresh.append(scope)
        return real_place_rows(scope)

    monkeypatch.setattr(figures, "place_rows", place_rows)
    expected = points_from_the_locations(Scope(uncounted=uncounted))
    assert point_rows(map_points(Scope(uncounted=uncounted))) == expected
    # Only the records left out were read afresh, not the scope's places.
    assert read_afresh and all(s.only == uncounted for s in read_afresh)
    # The places the records left out shared lose them, and are still named.
    counts = {point[:2]: (point[4], point[2]) for point in expected}
    for point in whole:
        if point[:2] in shared:
            there = {
                location.activity_id
                for location in Location.objects.filter(activity_id__in=uncounted)
                if place_key(location.latitude, location.longitude) == point[:2]
            }
            assert counts[point[:2]][0] == point[4] - len(there) and counts[point[:2]][1]
