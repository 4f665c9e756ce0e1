"""The statistics selectors: figures equal direct queries, currencies stay apart, disclosure holds."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db.models import Sum

from opencoop.activities.disclosure import public_activities
from opencoop.activities.models import RecipientCountry, SdgTag, Transaction
from opencoop.plans.models import AnnualPlan, PlanAllocation
from opencoop.stats.selectors import (
    TABLES,
    Scope,
    by_country,
    by_partner_type,
    by_sdg,
    by_sector,
    by_year,
    plans_overview,
    plans_table,
)
from tests.factories import add_budget, add_partner, add_sector, make_authority, make_bare_activity

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")


def rows(table) -> dict[str, dict[str, object]]:
    """Return a table as {code: {column key: value}}."""
    return {
        row.code: {c.key: v for c, v in zip(table.columns, row.values, strict=True)}
        for row in table.rows
    }


def currency_of(tx: Transaction) -> str:
    return tx.currency or tx.activity.default_currency


def test_by_country_counts_and_amounts_equal_direct_queries(fictional):
    table = rows(by_country(Scope(fictional)))
    public = public_activities().filter(reporting_org=fictional)
    for code, values in table.items():
        if not code:
            continue
        expected = (
            RecipientCountry.objects.filter(activity__in=public, code=code)
            .values("activity")
            .distinct()
            .count()
        )
        assert values["activities"] == expected, code
    # Split by percentages, the countries' payments add up to all payments of the authority.
    for currency in ("EUR", "USD"):
        paid = sum(
            (
                tx.value
                for tx in Transaction.objects.filter(
                    activity__in=public, type__in=("3", "4")
                ).select_related("activity")
                if currency_of(tx) == currency
            ),
            Decimal(0),
        )
        shown = sum(
            (v.get(f"disbursed_{currency}", Decimal(0)) for v in table.values()), Decimal(0)
        )
        assert abs(shown - paid) <= CENT * len(table), currency
        assert paid > 0


def test_country_split_follows_percentages():
    authority = make_authority()
    make_bare_activity(
        authority,
        countries={"SN": 75, "BF": 25},
        transactions=[("3", "2020-03-01", "1000.00")],
    )
    make_bare_activity(
        authority,
        countries={"SN": None, "ML": None},
        transactions=[("3", "2020-03-01", "300.00")],
    )
    table = rows(by_country(Scope(authority)))
    assert table["SN"]["disbursed_EUR"] == Decimal("900.00")  # 750 + 150
    assert table["BF"]["disbursed_EUR"] == Decimal("250.00")
    assert table["ML"]["disbursed_EUR"] == Decimal("150.00")
    assert table["SN"]["activities"] == 2


def test_other_currencies_are_never_added_to_euros():
    authority = make_authority()
    make_bare_activity(
        authority,
        countries={"SN": 100},
        transactions=[("2", "2019-01-10", "1000.00"), ("3", "2019-06-01", "800.00")],
    )
    make_bare_activity(
        authority,
        countries={"SN": 100},
        currency="USD",
        transactions=[("2", "2019-02-10", "500.00"), ("3", "2019-07-01", "400.00")],
    )
    scope = Scope(authority)
    country = rows(by_country(scope))["SN"]
    assert country["committed_EUR"] == Decimal("1000.00")
    assert country["disbursed_EUR"] == Decimal("800.00")
    assert country["committed_USD"] == Decimal("500.00")
    assert country["disbursed_USD"] == Decimal("400.00")
    year = rows(by_year(scope))["2019"]
    assert year["committed_EUR"] == Decimal("1000.00")
    assert year["committed_USD"] == Decimal("500.00")
    assert Decimal("1500.00") not in year.values() and Decimal("1200.00") not in year.values()
    assert [c.currency for c in by_year(scope).columns] == ["EUR", "EUR", "USD", "USD"]


def test_by_year_equals_direct_aggregates(fictional):
    table = rows(by_year(Scope(fictional)))
    public = public_activities().filter(reporting_org=fictional)
    expected: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for tx in Transaction.objects.filter(activity__in=public).select_related("activity"):
        measure = {"2": "committed", "3": "disbursed", "4": "disbursed"}.get(tx.type)
        if measure:
            expected[(str(tx.date.year), f"{measure}_{currency_of(tx)}")] += tx.value
    for plan in AnnualPlan.objects.filter(reporting_org=fictional, live=True):
        if plan.planned_total is not None:
            expected[(str(plan.year), f"planned_{plan.currency}")] += plan.planned_total
    assert expected
    for (year, key), amount in expected.items():
        assert table[year][key] == amount, (year, key)
    total = by_year(Scope(fictional)).footer
    assert total is not None and total.label


def test_revised_budget_replaces_the_original_of_its_period():
    authority = make_authority()
    activity = make_bare_activity(authority, countries={"SN": 100})
    add_budget(activity, 2021, "1000.00", kind="1")
    add_budget(activity, 2021, "1200.00", kind="2")
    add_budget(activity, 2022, "700.00", kind="1")
    table = rows(by_year(Scope(authority)))
    assert table["2021"]["budget_EUR"] == Decimal("1200.00")
    assert table["2022"]["budget_EUR"] == Decimal("700.00")


def test_only_public_activities_count():
    authority = make_authority()
    make_bare_activity(
        authority, countries={"SN": 100}, transactions=[("3", "2020-01-01", "10.00")]
    )
    make_bare_activity(
        authority, countries={"BF": 100}, live=False, transactions=[("3", "2020-01-01", "20.00")]
    )
    make_bare_activity(
        authority,
        countries={"ML": 100},
        embargo_until=datetime.date.today() + datetime.timedelta(days=30),
        transactions=[("3", "2020-01-01", "40.00")],
    )
    scope = Scope(authority)
    for build in TABLES.values():
        table = build(scope)
        assert "BF" not in {r.code for r in table.rows}
        assert "ML" not in {r.code for r in table.rows}
    assert rows(by_year(scope))["2020"]["disbursed_EUR"] == Decimal("10.00")


def test_unnamed_partners_keep_their_type_undisclosed():
    authority = make_authority()
    visible = make_bare_activity(authority, transactions=[("3", "2020-01-01", "100.00")])
    add_partner(visible, "22")
    hidden = make_bare_activity(authority, transactions=[("3", "2020-01-01", "50.00")])
    add_partner(hidden, "24", hide_name=True)
    table = rows(by_partner_type(Scope(authority)))
    assert table["22"]["disbursed_EUR"] == Decimal("100.00")
    assert "24" not in table
    assert table["undisclosed"]["activities"] == 1
    assert table["undisclosed"]["disbursed_EUR"] == Decimal("50.00")


def test_sectors_split_and_goals_count_whole(fictional):
    scope = Scope(fictional)
    goals = rows(by_sdg(scope))
    public = public_activities().filter(reporting_org=fictional)
    per_goal = Counter()
    for _activity_id, goal in (
        SdgTag.objects.filter(activity__in=public, vocabulary="2")
        .values_list("activity_id", "code")
        .distinct()
    ):
        per_goal[goal] += 1
    for goal, count in per_goal.items():
        assert goals[goal]["activities"] >= count

    authority = make_authority()
    activity = make_bare_activity(authority, transactions=[("3", "2020-01-01", "1000.00")])
    add_sector(activity, "14030", 70)
    add_sector(activity, "12220", 30)
    sectors = rows(by_sector(Scope(authority)))
    assert sectors["14030"]["disbursed_EUR"] == Decimal("700.00")
    assert sectors["12220"]["disbursed_EUR"] == Decimal("300.00")


def test_plans_overview_matches_allocations_and_payments(fictional):
    overview = plans_overview(Scope(fictional))
    assert len(overview) == 15
    assert [item.plan.year for item in overview] == sorted(
        (item.plan.year for item in overview), reverse=True
    )
    item = next(i for i in overview if i.funded)
    plan = item.plan
    allocated = PlanAllocation.objects.filter(plan=plan).aggregate(total=Sum("amount"))["total"]
    assert item.allocated == allocated
    ids = [f.activity.pk for f in item.funded]
    paid = Transaction.objects.filter(
        activity_id__in=ids, type__in=("3", "4"), date__year__gte=plan.year
    ).aggregate(total=Sum("value"))["total"]
    assert item.disbursed.get("EUR", Decimal(0)) == paid
    table = rows(plans_table(Scope(fictional), overview))
    assert table[str(plan.year)]["planned_EUR"] == plan.planned_total
    assert table[str(plan.year)]["activities"] == len(item.funded)
