"""Figures of the statistics pages, the map and their CSV downloads: computed here and only here.

The rules, in one place:

- only activities the public may see count (``disclosure.public_activities``), and partners are
  described as ``disclosure.public_participants`` describes them;
- an amount keeps its currency (the transaction's or budget's own, else the activity's default);
  amounts in different currencies are never added together: each currency has its own columns;
- "committed" is IATI transaction type 2; "disbursed and spent" adds types 3 (disbursement) and
  4 (expenditure); a budget counts in the year its period starts, a revised budget (type 2)
  replacing the original one of the same period;
- an activity with several countries or sectors is split by their percentages (equally when
  percentages are missing); each of its SDG goals and partner types gets its full amount, so
  those rows overlap.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from opencoop.activities.models import Transaction
from opencoop.codelists import registry
from opencoop.core.multilingual import text
from opencoop.core.queries import first_of_each
from opencoop.organisations.models import Organisation
from opencoop.plans.models import AnnualPlan, PlanAllocation

from . import kept
from .figures import (
    DISBURSEMENTS,
    UNDISCLOSED,
    UNSTATED,
    Scope,
    money_measure,
    row_currency,
)
from .tables import CENT, EUR, Column, FigureRow, FigureTable, order_columns

__all__ = ["TABLES", "Scope", "by_country", "by_year", "plans_overview", "plans_table"]

ONE = Decimal(1)

Cells = dict[Column, Decimal | int]


def figures_as_of(scope: Scope):
    """Return when the scope's figures were computed (now, for any part read afresh)."""
    from django.utils import timezone

    cover = kept.coverage(scope)
    if cover.rest is not None or cover.refreshed_at is None:
        return timezone.now()
    return cover.refreshed_at


# --- Building tables --------------------------------------------------------------------------


def _table(
    *,
    slug: str,
    title: str,
    code_label: str,
    cells: dict[str, Cells],
    label: Callable[[str], str],
    note: str = "",
    filter_param: str = "",
    order: str = "amount",
    with_total: bool = False,
) -> FigureTable:
    """Turn cells by code into a table; amount columns with nothing in them are left out."""
    columns = order_columns(
        column
        for row in cells.values()
        for column, value in row.items()
        if value or not column.is_amount
    )
    rows = [
        FigureRow(code, label(code), tuple(_cell(row, column) for column in columns))
        for code, row in cells.items()
    ]
    if order in ("code", "-code"):
        rows.sort(key=lambda row: row.code, reverse=order == "-code")
    else:
        disbursed = _position(columns, "disbursed", EUR)
        committed = _position(columns, "committed", EUR)
        count = _position(columns, "activities")

        def key(row: FigureRow) -> tuple:
            pick = lambda i: row.values[i] if i is not None else 0  # noqa: E731
            return (row.code == "", -pick(disbursed), -pick(committed), -pick(count), row.label)

        rows.sort(key=key)
    footer = None
    if with_total and rows:
        totals = tuple(
            sum((row.values[i] for row in rows), Decimal(0) if column.is_amount else 0)
            for i, column in enumerate(columns)
        )
        footer = FigureRow("total", _("Total"), totals)
    return FigureTable(
        slug=slug,
        title=title,
        code_label=code_label,
        columns=columns,
        rows=tuple(rows),
        note=note,
        filter_param=filter_param,
        footer=footer,
    )


def _cell(row: Cells, column: Column) -> Decimal | int:
    value = row.get(column, 0)
    return Decimal(value).quantize(CENT) if column.is_amount else value


def _position(columns: tuple[Column, ...], measure: str, currency: str = "") -> int | None:
    for i, column in enumerate(columns):
        if column.measure == measure and column.currency == currency:
            return i
    return None


def _decimal(value) -> Decimal | None:
    """Return a sum of two-decimal figures as Decimal (SQLite adds them as floats)."""
    if value is None:
        return None
    # PostgreSQL's sums arrive as Decimal: no round trip through a string (3 a kept row).
    return (value if isinstance(value, Decimal) else Decimal(str(value))).quantize(CENT)


def _share(n: int, stated: int, total, percentage) -> Decimal:
    """Return a row's share of its activity: by percentage, equally when any is missing."""
    total, percentage = _decimal(total), _decimal(percentage)
    if stated < n or total is None or total <= 0:
        return ONE / n
    return percentage / total


def _allocate(scope: Scope, table: str) -> dict[str, Cells]:
    """Count the activities under each code and add up their amounts times their shares.

    The rows come from ``kept.allocation_rows`` (``figures.allocation_rows``' shape): with a
    split, an activity's amounts are shared among its codes by percentage (equally when any
    percentage is missing); without, each code gets the whole amount. Rows of one group from
    several authorities are added before their share is taken, as one query over all would.
    """
    groups: dict[tuple, Decimal | int] = {}
    for kind, code, n, stated, total, percentage, tx_type, cur, value in kept.allocation_rows(
        scope, table
    ):
        if kind == "count":
            key = (kind, code)
            groups[key] = groups.get(key, 0) + int(value)
            continue
        key = (kind, code, n, stated, _decimal(total), _decimal(percentage), tx_type, cur)
        groups[key] = groups.get(key, Decimal(0)) + _decimal(value)
    cells: dict[str, Cells] = defaultdict(dict)
    for key, value in groups.items():
        if key[0] == "count":
            if value:
                cells[key[1]][Column("activities")] = value
            continue
        _kind, code, n, stated, total, percentage, tx_type, cur = key
        share = _share(n, stated, total, percentage) if n is not None else ONE
        column = Column(money_measure(tx_type), cur)
        row = cells[code]
        row[column] = row.get(column, Decimal(0)) + value * share
    return cells


# --- The figures ------------------------------------------------------------------------------


def by_year(scope: Scope) -> FigureTable:
    """Return planned (annual plans, budgets), committed and disbursed amounts by year."""
    cells: dict[str, Cells] = defaultdict(dict)

    def add(year: int | None, measure: str, currency: str, amount: Decimal | None) -> None:
        if year is None or amount is None or not currency:
            return
        row = cells[str(year)]
        column = Column(measure, currency)
        row[column] = row.get(column, Decimal(0)) + amount

    rows = kept.country_year_rows(scope) if scope.country else kept.year_rows(scope)
    for measure, year, cur, total in rows:
        add(year, measure, cur, total)
    return _table(
        slug="by-year",
        title=_("Planned, committed and disbursed by year"),
        code_label=_("Year"),
        cells=cells,
        label=str,
        note=_(
            "Annual plans and budgets count in their year; commitments and payments in the year "
            "of their date. Payments add disbursements and expenditure."
        ),
        filter_param="year",
        order="code",
        with_total=True,
    )


def by_country(scope: Scope) -> FigureTable:
    """Return activities and amounts by recipient country."""
    countries = registry.get("Country")
    return _table(
        slug="by-country",
        title=_("By country"),
        code_label=_("Country"),
        cells=_allocate(scope, "by-country"),
        label=lambda code: countries.label(code) if code else _("No country stated"),
        note=_(
            "An activity in several countries is split by their percentages (equally when none "
            "are given) and counted once in each country."
        ),
        filter_param="country",
    )


def by_sector(scope: Scope) -> FigureTable:
    """Return activities and amounts by DAC 5-digit sector."""
    sectors = registry.get("Sector")
    return _table(
        slug="by-sector",
        title=_("By sector"),
        code_label=_("Sector"),
        cells=_allocate(scope, "by-sector"),
        label=lambda code: sectors.label(code) if code else _("No DAC sector stated"),
        note=_("An activity in several sectors is split by their percentages."),
        filter_param="sector",
    )


def by_sector_group(scope: Scope) -> FigureTable:
    """Return activities and amounts by DAC 3-digit sector group."""
    groups = registry.get("SectorCategory")
    return _table(
        slug="by-sector-group",
        title=_("By sector group"),
        code_label=_("Sector group"),
        cells=_allocate(scope, "by-sector-group"),
        label=lambda code: groups.label(code) if code else _("No DAC sector stated"),
        note=_("Sectors grouped by their DAC 3-digit category."),
        filter_param="sector_group",
    )


def by_sdg(scope: Scope) -> FigureTable:
    """Return activities and amounts by Sustainable Development Goal."""
    goals = registry.get("UNSDG-Goals")
    return _table(
        slug="by-sdg",
        title=_("By Sustainable Development Goal"),
        code_label=_("Goal"),
        cells=_allocate(scope, "by-sdg"),
        label=lambda code: goals.label(code) if code else _("No goal stated"),
        note=_(
            "An activity counts under each of its goals with its whole amount: the rows overlap "
            "and do not add up to the total."
        ),
        filter_param="sdg",
    )


def by_partner_type(scope: Scope) -> FigureTable:
    """Return activities and amounts by the type of their partner organisations.

    The reporting authority itself is not a partner; partners left unnamed for safety are
    counted together, without their type.
    """
    types = registry.get("OrganisationType")
    labels = {
        "": _("No partner stated"),
        UNDISCLOSED: _("Partners not named (sensitive context)"),
        UNSTATED: _("Type not stated"),
    }
    return _table(
        slug="by-partner-type",
        title=_("By type of partner organisation"),
        code_label=_("Type of partner"),
        cells=_allocate(scope, "by-partner-type"),
        label=lambda code: labels.get(code) or types.label(code),
        note=_(
            "An activity counts under each type of its partners with its whole amount: the rows "
            "overlap and do not add up to the total."
        ),
    )


# The tables of the statistics page, in page order; each has a CSV download by its slug.
def by_authority(scope: Scope) -> FigureTable:
    """Return activities and amounts by reporting authority, with their totals (an atlas's).

    Each activity has one reporting authority: it counts whole under it, so the rows add up
    to the scope's figures. Each authority's row is its kept row (``kept.authority_rows``):
    a handful of rows an authority, not its activities (read afresh when out of date).
    When the scope leaves activities uncounted (an atlas's records of an activity another
    record already counts), each authority's row still holds all its records, and a row
    "counted once" takes the uncounted ones off before the total.
    """
    if scope.uncounted:
        whole = Scope(
            scope.organisation, scope.today, authorities=scope.authorities, country=scope.country
        )
        cells = _authority_cells(whole)
        twice = _authority_cells(Scope(scope.organisation, scope.today, only=scope.uncounted))
        taken_off: Cells = {}
        for row in twice.values():
            for column, value in row.items():
                taken_off[column] = taken_off.get(column, 0) - value
        if taken_off:
            cells[COUNTED_ONCE] = taken_off
    else:
        cells = _authority_cells(scope)
    names = dict(Organisation.objects.filter(slug__in=cells).values_list("slug", "name"))
    names[COUNTED_ONCE] = {}
    table = _table(
        slug="by-authority",
        title=_("By reporting authority"),
        code_label=_("Reporting authority"),
        cells=cells,
        label=lambda slug: (
            _("Reported by two authorities: counted once")
            if slug == COUNTED_ONCE
            else text(names.get(slug) or {}) or slug
        ),
        filter_param="org",
        with_total=True,
    )
    # The row taken off comes last, just above the total it makes.
    rows = sorted(table.rows, key=lambda row: row.code == COUNTED_ONCE)
    return dataclasses.replace(table, rows=tuple(rows))


# The code of the row that takes records reported twice off an atlas's totals.
COUNTED_ONCE = "counted-once"


def _authority_cells(scope: Scope) -> dict[str, Cells]:
    """Count activities and add up commitments and payments by authority (slug) and currency.

    From each authority's kept rows (``kept.authority_rows``): a row or two an authority, not
    its activities.
    """
    rows = kept.authority_rows(scope)
    slugs = dict(
        Organisation.objects.filter(pk__in={row[0] for row in rows}).values_list("pk", "slug")
    )
    cells: dict[str, Cells] = defaultdict(dict)
    for authority_id, kind, tx_type, cur, value in rows:
        cell = cells[slugs[authority_id]]
        if kind == "count":
            if value:
                cell[Column("activities")] = cell.get(Column("activities"), 0) + int(value)
            continue
        column = Column(money_measure(tx_type), cur)
        cell[column] = cell.get(column, Decimal(0)) + _decimal(value)
    return cells


TABLES: dict[str, Callable[[Scope], FigureTable]] = {
    "by-year": by_year,
    "by-country": by_country,
    "by-sector-group": by_sector_group,
    "by-sector": by_sector,
    "by-sdg": by_sdg,
    "by-partner-type": by_partner_type,
}


# --- Annual plans -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FundedActivityRef:
    """What a list of funded activities shows of one: its title and what its address needs."""

    pk: int
    title: dict
    slug: str
    reporting_org_id: int


@dataclass(frozen=True)
class FundedActivity:
    """An activity funded by a plan, the amount the plan gave it, and what was paid on it since."""

    activity: FundedActivityRef
    amount: Decimal | None
    disbursed: dict[str, Decimal]


@dataclass(frozen=True)
class PlanOverview:
    """One annual plan with the public activities it funded (the first ones, or all)."""

    plan: AnnualPlan
    funded: tuple[FundedActivity, ...]
    # Over all the plan's public activities, listed in ``funded`` or not:
    funded_count: int
    allocated: Decimal
    disbursed: dict[str, Decimal]  # paid on them from the plan's year on, by currency


def plans_in_order(scope: Scope) -> QuerySet[AnnualPlan]:
    """Return the scope's published plans as the overview lists them: newest year first."""
    return (
        scope.plans()
        .select_related("reporting_org")
        .prefetch_related("documents")
        .order_by("-year", "reporting_org__slug", "pk")
    )


def uncounted_in_plans(scope: Scope) -> int:
    """Return how many activities the scope's plans fund that the scope leaves uncounted.

    An atlas counts an activity two authorities report once (``opencoop.atlas.duplicates``
    decides which record counts); the plans' figures leave the other record out, as every
    figure of the atlas does.
    """
    if not scope.uncounted:
        return 0
    return (
        PlanAllocation.objects.filter(plan__in=scope.plans(), activity_id__in=scope.uncounted)
        .values("activity_id")
        .distinct()
        .count()
    )


def plans_overview(
    scope: Scope, shown: int | None = None, plans: Iterable[AnnualPlan] | None = None
) -> list[PlanOverview]:
    """Return each published plan, newest first, with its funded activities and payments.

    ``shown`` limits the activities listed per plan (in the plan's order); the plan's totals
    always cover all of them, added up by the database. ``plans`` (from ``plans_in_order``)
    limits the overview to those plans, such as one page of them.
    """
    if plans is None:
        plans = list(plans_in_order(scope))
        plan_ids = None  # every plan
    else:
        plans = list(plans)
        plan_ids = [plan.pk for plan in plans]
    totals: dict[int, dict] = defaultdict(lambda: {"count": 0, "allocated": Decimal(0)})
    paid: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for plan_id, measure, cur, value in kept.plan_rows(scope, plan_ids):
        if measure == "activities":
            totals[plan_id]["count"] += int(value)
        elif measure == "allocated":
            totals[plan_id]["allocated"] += value
        else:
            paid[plan_id][cur] = paid[plan_id].get(cur, Decimal(0)) + value
    listed = _listed_allocations(
        plan_ids if plan_ids is not None else scope.plans(), scope.activities(), shown
    )
    payments: dict[int, list[tuple[int, str, Decimal]]] = defaultdict(list)
    if listed:
        for row in (
            Transaction.objects.filter(
                activity_id__in={row[2] for row in listed}, type__in=DISBURSEMENTS
            )
            .annotate(year=ExtractYear("date"), cur=row_currency())
            .values("activity_id", "year", "cur")
            .annotate(total=Sum("value"))
            .order_by()
        ):
            payments[row["activity_id"]].append((row["year"], row["cur"], row["total"]))
    by_plan: dict[int, list[tuple]] = defaultdict(list)
    for plan_id, *allocation in listed:
        by_plan[plan_id].append(allocation)
    result = []
    for plan in plans:
        funded = []
        for amount, activity_id, title, slug, reporting_org_id in by_plan[plan.pk]:
            disbursed: dict[str, Decimal] = defaultdict(Decimal)
            for year, currency, total in payments[activity_id]:
                if year >= plan.year:
                    disbursed[currency] += total
            activity = FundedActivityRef(activity_id, title, slug, reporting_org_id)
            funded.append(FundedActivity(activity, amount, dict(disbursed)))
        total = totals[plan.pk]
        result.append(
            PlanOverview(
                plan,
                tuple(funded),
                funded_count=total["count"],
                allocated=total["allocated"],
                disbursed=dict(
                    sorted(paid[plan.pk].items(), key=lambda item: (item[0] != EUR, item[0]))
                ),
            )
        )
    return result


def _listed_allocations(plans, activities: QuerySet, shown: int | None) -> list[tuple]:
    """Return the first ``shown`` allocations of each plan to ``activities`` (all when None).

    In plan order. Plain rows (plan, amount, activity's id, title, slug, authority): a page
    over every authority lists thousands. ``plans``: the plans' ids, or a query of them.
    """
    if shown == 0:
        return []
    listed = PlanAllocation.objects.filter(plan__in=plans, activity_id__in=activities.values("id"))
    if shown is not None:
        # Read in the plan's order from the index (plans_allocation_order_idx) until ``shown``
        # are found: not every allocation of the plans ranked (10,000 at 100,000 activities).
        plans_asked = AnnualPlan.objects.filter(pk__in=plans)
        listed = first_of_each(listed, "plan_id", plans_asked, ["sort_order", "id"], shown)
    return list(
        listed.order_by("plan_id", "sort_order", "id").values_list(
            "plan_id",
            "amount",
            "activity_id",
            "activity__title",
            "activity__slug",
            "activity__reporting_org_id",
        )
    )


def plans_table(scope: Scope, overview: list[PlanOverview] | None = None) -> FigureTable:
    """Return one row per plan: planned total, allocated to activities, paid on them since."""
    overview = plans_overview(scope, shown=0) if overview is None else overview
    cells: dict[str, Cells] = {}
    labels: dict[str, str] = {}
    for item in overview:
        plan = item.plan
        code = str(plan.year) if scope.organisation else f"{plan.reporting_org.slug}-{plan.year}"
        labels[code] = text(plan.title) or str(plan.year)
        row: Cells = {Column("activities"): item.funded_count}
        if plan.planned_total is not None:
            row[Column("planned", plan.currency)] = plan.planned_total
        row[Column("allocated", plan.currency)] = item.allocated
        for currency, amount in item.disbursed.items():
            row[Column("paid_since", currency)] = amount
        cells[code] = row
    return _table(
        slug="plans",
        title=_("Annual plans"),
        code_label=_("Plan"),
        cells=cells,
        label=labels.__getitem__,
        note=_(
            "For each plan: its planned total, what it assigned to activities, and what was paid "
            "on those activities from the plan's year on."
        ),
        order="-code",
    )


# --- An authority's partners --------------------------------------------------------------------


def by_partner(scope: Scope) -> FigureTable:
    """Return the partner organisations of the scope's activities, with their activities' amounts.

    The reporting authority itself is not a partner; partners left unnamed for safety are counted
    together, without their names. An activity counts under each of its partners with its whole
    amount: the rows overlap.
    """
    from django.db.models import Exists, OuterRef

    from opencoop.activities.disclosure import hiding_participations
    from opencoop.activities.models import ParticipatingOrg

    activities = scope.activities()
    hidden = hiding_participations(OuterRef("activity_id"), OuterRef("organisation_id"))
    partners: dict[str, set[int]] = defaultdict(set)
    names: dict[str, dict] = {}
    for activity_id, slug, name, is_hidden in (
        ParticipatingOrg.objects.filter(activity_id__in=activities.values("id"))
        .exclude(organisation_id=F("activity__reporting_org_id"))
        .annotate(hidden=Exists(hidden))
        .values_list("activity_id", "organisation__slug", "organisation__name", "hidden")
        .order_by()
    ):
        code = UNDISCLOSED if is_hidden else slug
        partners[code].add(activity_id)
        if not is_hidden:
            names[code] = name
    money: dict[int, Cells] = defaultdict(dict)
    for activity_id, tx_type, cur, value in (
        scope.money().values("activity_id", "type", "cur").annotate(total=Sum("value"))
    ).values_list("activity_id", "type", "cur", "total"):
        column = Column(money_measure(tx_type), cur)
        cell = money[activity_id]
        cell[column] = cell.get(column, Decimal(0)) + _decimal(value)
    cells: dict[str, Cells] = {}
    for code, ids in partners.items():
        row: Cells = {Column("activities"): len(ids)}
        for activity_id in ids:
            for column, value in money.get(activity_id, {}).items():
                row[column] = row.get(column, Decimal(0)) + value
        cells[code] = row
    return _table(
        slug="by-partner",
        title=_("Partners"),
        code_label=_("Partner organisation"),
        cells=cells,
        label=lambda code: (
            _("Partners not named (sensitive context)")
            if code == UNDISCLOSED
            else text(names.get(code) or {}) or code
        ),
        note=_(
            "An activity counts under each of its partners with its whole amount: the rows "
            "overlap and do not add up to the total."
        ),
    )
