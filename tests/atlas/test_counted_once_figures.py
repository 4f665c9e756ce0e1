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
