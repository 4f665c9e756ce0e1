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

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear, NullIf
from django.utils.translation import gettext as _

from opencoop.activities.disclosure import public_activities
from opencoop.activities.models import (
    Activity,
    ActivityQuerySet,
    Budget,
    ParticipatingOrg,
    RecipientCountry,
    SdgTag,
    Sector,
    Transaction,
)
from opencoop.codelists import registry
from opencoop.core.multilingual import text
from opencoop.organisations.models import Organisation
from opencoop.plans.models import AnnualPlan, PlanAllocation

from .tables import CENT, EUR, Column, FigureRow, FigureTable, order_columns

COMMITMENT = "2"
DISBURSEMENTS = ("3", "4")
ONE = Decimal(1)

Cells = dict[Column, Decimal | int]


class Scope:
    """Whose figures: one reporting authority, or all of them (``organisation=None``).

    Figures shared by several tables (the activities, their amounts) are read once per scope.
    """

    def __init__(
        self, organisation: Organisation | None = None, today: datetime.date | None = None
    ) -> None:
        self.organisation = organisation
        self.today = today

    @property
    def slug(self) -> str:
        """Return the scope's name in addresses: the authority's slug, or "all"."""
        return self.organisation.slug if self.organisation is not None else "all"

    def activities(self) -> ActivityQuerySet:
        """Return the public activities of the scope."""
        qs = public_activities(self.today)
        if self.organisation is not None:
            qs = qs.filter(reporting_org=self.organisation)
        return qs

    def plans(self) -> QuerySet[AnnualPlan]:
        """Return the published annual plans of the scope."""
        qs = AnnualPlan.objects.published()
        if self.organisation is not None:
            qs = qs.filter(reporting_org=self.organisation)
        return qs

    @cached_property
    def activity_ids(self) -> list[int]:
        return list(self.activities().order_by().values_list("id", flat=True))

    @cached_property
    def sector_rows(self) -> list[tuple[int, str, str, Decimal | None]]:
        """Return (activity, vocabulary, code, percentage) of DAC 5- and 3-digit sectors."""
        return list(
            Sector.objects.filter(activity_id__in=self.activities().values("id"))
            .filter(vocabulary__in=("1", "2"))
            .values_list("activity_id", "vocabulary", "code", "percentage")
        )

    @cached_property
    def money(self) -> dict[int, dict[Column, Decimal]]:
        """Return each activity's committed and disbursed amounts, by currency."""
        result: dict[int, dict[Column, Decimal]] = defaultdict(dict)
        rows = (
            Transaction.objects.filter(
                activity_id__in=self.activities().values("id"),
                type__in=(COMMITMENT, *DISBURSEMENTS),
            )
            .annotate(cur=_currency())
            .values("activity_id", "type", "cur")
            .annotate(total=Sum("value"))
            .order_by()
        )
        for row in rows:
            column = Column(_money_measure(row["type"]), row["cur"])
            amounts = result[row["activity_id"]]
            amounts[column] = amounts.get(column, Decimal(0)) + row["total"]
        return result


def _currency():
    """Return the currency of a transaction or budget row: its own, else the activity's."""
    return Coalesce(NullIf(F("currency"), Value("")), F("activity__default_currency"))


def _money_measure(transaction_type: str) -> str:
    return "committed" if transaction_type == COMMITMENT else "disbursed"


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


def _split(rows: Iterable[tuple[int, str, Decimal | None]]) -> dict[int, dict[str, Decimal]]:
    """Return each activity's share per code from (activity, code, percentage) rows.

    Percentages are scaled to add up to one; when any is missing the codes share equally.
    """
    by_activity: dict[int, list[tuple[str, Decimal | None]]] = defaultdict(list)
    for activity_id, code, percentage in rows:
        by_activity[activity_id].append((code, percentage))
    result: dict[int, dict[str, Decimal]] = {}
    for activity_id, items in by_activity.items():
        total = sum((p for _c, p in items if p is not None), Decimal(0))
        equal = total <= 0 or any(p is None for _c, p in items)
        shares: dict[str, Decimal] = defaultdict(Decimal)
        for code, percentage in items:
            shares[code] += ONE / len(items) if equal else percentage / total
        result[activity_id] = dict(shares)
    return result


def _whole(rows: Iterable[tuple[int, str]]) -> dict[int, dict[str, Decimal]]:
    """Return each activity's codes, each with the whole amount (SDG goals, partner types)."""
    result: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for activity_id, code in rows:
        result[activity_id][code] = ONE
    return result


def _allocate(scope: Scope, shares: dict[int, dict[str, Decimal]]) -> dict[str, Cells]:
    """Count the activities under each code and add up their amounts times their shares.

    Activities with no code are counted under "" ("not stated").
    """
    cells: dict[str, Cells] = defaultdict(dict)
    count = Column("activities")
    money = scope.money
    for activity_id in scope.activity_ids:
        for code, share in (shares.get(activity_id) or {"": ONE}).items():
            row = cells[code]
            row[count] = row.get(count, 0) + 1
            for column, amount in money.get(activity_id, {}).items():
                row[column] = row.get(column, Decimal(0)) + amount * share
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

    for row in (
        scope.plans()
        .filter(planned_total__isnull=False)
        .values("year", "currency")
        .annotate(total=Sum("planned_total"))
        .order_by()
    ):
        add(row["year"], "planned", row["currency"], row["total"])
    revised = Budget.objects.filter(
        activity=OuterRef("activity"), period_start=OuterRef("period_start"), type="2"
    )
    for row in (
        Budget.objects.filter(activity_id__in=scope.activities().values("id"))
        .filter(Q(type="2") | ~Exists(revised))
        .annotate(year=ExtractYear("period_start"), cur=_currency())
        .values("year", "cur")
        .annotate(total=Sum("value"))
        .order_by()
    ):
        add(row["year"], "budget", row["cur"], row["total"])
    for row in (
        Transaction.objects.filter(
            activity_id__in=scope.activities().values("id"),
            type__in=(COMMITMENT, *DISBURSEMENTS),
        )
        .annotate(year=ExtractYear("date"), cur=_currency())
        .values("year", "type", "cur")
        .annotate(total=Sum("value"))
        .order_by()
    ):
        add(row["year"], _money_measure(row["type"]), row["cur"], row["total"])
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
    rows = RecipientCountry.objects.filter(activity_id__in=scope.activities().values("id"))
    shares = _split(rows.values_list("activity_id", "code", "percentage"))
    countries = registry.get("Country")
    return _table(
        slug="by-country",
        title=_("By country"),
        code_label=_("Country"),
        cells=_allocate(scope, shares),
        label=lambda code: countries.label(code) if code else _("No country stated"),
        note=_(
            "An activity in several countries is split by their percentages (equally when none "
            "are given) and counted once in each country."
        ),
        filter_param="country",
    )


def by_sector(scope: Scope) -> FigureTable:
    """Return activities and amounts by DAC 5-digit sector."""
    rows = [(a, code, pct) for a, vocab, code, pct in scope.sector_rows if vocab == "1"]
    sectors = registry.get("Sector")
    return _table(
        slug="by-sector",
        title=_("By sector"),
        code_label=_("Sector"),
        cells=_allocate(scope, _split(rows)),
        label=lambda code: sectors.label(code) if code else _("No DAC sector stated"),
        note=_("An activity in several sectors is split by their percentages."),
        filter_param="sector",
    )


def by_sector_group(scope: Scope) -> FigureTable:
    """Return activities and amounts by DAC 3-digit sector group."""
    sectors = registry.get("Sector")
    five_digit: list[tuple[int, str, Decimal | None]] = []
    three_digit: list[tuple[int, str, Decimal | None]] = []
    for activity_id, vocabulary, code, percentage in scope.sector_rows:
        if vocabulary == "1":
            five_digit.append((activity_id, sectors.category(code) or code[:3], percentage))
        else:
            three_digit.append((activity_id, code, percentage))
    # An activity's 5-digit sectors, when it has any, say more than its 3-digit ones.
    with_five = {row[0] for row in five_digit}
    rows = five_digit + [row for row in three_digit if row[0] not in with_five]
    groups = registry.get("SectorCategory")
    return _table(
        slug="by-sector-group",
        title=_("By sector group"),
        code_label=_("Sector group"),
        cells=_allocate(scope, _split(rows)),
        label=lambda code: groups.label(code) if code else _("No DAC sector stated"),
        note=_("Sectors grouped by their DAC 3-digit category."),
        filter_param="sector_group",
    )


def by_sdg(scope: Scope) -> FigureTable:
    """Return activities and amounts by Sustainable Development Goal."""
    rows = []
    for activity_id, vocabulary, code in SdgTag.objects.filter(
        activity_id__in=scope.activities().values("id")
    ).values_list("activity_id", "vocabulary", "code"):
        goal = code if vocabulary == "2" else code.split(".")[0]
        rows.append((activity_id, goal))
    goals = registry.get("UNSDG-Goals")
    return _table(
        slug="by-sdg",
        title=_("By Sustainable Development Goal"),
        code_label=_("Goal"),
        cells=_allocate(scope, _whole(rows)),
        label=lambda code: goals.label(code) if code else _("No goal stated"),
        note=_(
            "An activity counts under each of its goals with its whole amount: the rows overlap "
            "and do not add up to the total."
        ),
        filter_param="sdg",
    )


UNDISCLOSED = "undisclosed"
UNSTATED = "unstated"


def by_partner_type(scope: Scope) -> FigureTable:
    """Return activities and amounts by the type of their partner organisations.

    The reporting authority itself is not a partner; partners left unnamed for safety are
    counted together, without their type.
    """
    # As ``public_participants`` describes them, read as plain rows (100,000 activities would
    # otherwise be 100,000 objects): a partner hidden in one role is hidden in all.
    participations = ParticipatingOrg.objects.filter(
        activity_id__in=scope.activities().values("id")
    ).order_by()
    hidden = set(
        participations.filter(hide_name=True).values_list("activity_id", "organisation_id")
    )
    rows = []
    for (
        activity_id,
        organisation_id,
        reporting_org_id,
        organisation_type,
    ) in participations.values_list(
        "activity_id", "organisation_id", "activity__reporting_org_id", "organisation__type"
    ).iterator(chunk_size=10_000):
        if (activity_id, organisation_id) in hidden:
            rows.append((activity_id, UNDISCLOSED))
        elif organisation_id != reporting_org_id:
            rows.append((activity_id, organisation_type or UNSTATED))
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
        cells=_allocate(scope, _whole(rows)),
        label=lambda code: labels.get(code) or types.label(code),
        note=_(
            "An activity counts under each type of its partners with its whole amount: the rows "
            "overlap and do not add up to the total."
        ),
    )


# The tables of the statistics page, in page order; each has a CSV download by its slug.
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
class FundedActivity:
    """An activity funded by a plan, the amount the plan gave it, and what was paid on it since."""

    activity: Activity
    amount: Decimal | None
    disbursed: dict[str, Decimal]


@dataclass(frozen=True)
class PlanOverview:
    """One annual plan with the public activities it funded."""

    plan: AnnualPlan
    funded: tuple[FundedActivity, ...]

    @property
    def allocated(self) -> Decimal:
        return sum((f.amount for f in self.funded if f.amount is not None), Decimal(0))

    @property
    def disbursed(self) -> dict[str, Decimal]:
        """Return what was paid on the funded activities from the plan's year on, by currency."""
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for funded in self.funded:
            for currency, amount in funded.disbursed.items():
                totals[currency] += amount
        return dict(sorted(totals.items(), key=lambda item: (item[0] != EUR, item[0])))


def plans_overview(scope: Scope) -> list[PlanOverview]:
    """Return each published plan, newest first, with its funded activities and payments."""
    allocations = (
        PlanAllocation.objects.filter(activity_id__in=scope.activities().values("id"))
        .select_related("activity")
        .only(
            "plan_id", "amount", "activity__title", "activity__slug", "activity__reporting_org_id"
        )
        .order_by("sort_order", "id")
    )
    plans = list(
        scope.plans()
        .select_related("reporting_org")
        .prefetch_related("documents", Prefetch("allocations", queryset=allocations))
        .order_by("-year", "reporting_org__slug")
    )
    funded_ids = PlanAllocation.objects.filter(
        plan__in=scope.plans(), activity_id__in=scope.activities().values("id")
    ).values("activity_id")
    payments: dict[int, list[tuple[int, str, Decimal]]] = defaultdict(list)
    for row in (
        Transaction.objects.filter(activity_id__in=funded_ids, type__in=DISBURSEMENTS)
        .annotate(year=ExtractYear("date"), cur=_currency())
        .values("activity_id", "year", "cur")
        .annotate(total=Sum("value"))
        .order_by()
    ):
        payments[row["activity_id"]].append((row["year"], row["cur"], row["total"]))
    result = []
    for plan in plans:
        funded = []
        for allocation in plan.allocations.all():
            disbursed: dict[str, Decimal] = defaultdict(Decimal)
            for year, currency, total in payments[allocation.activity_id]:
                if year >= plan.year:
                    disbursed[currency] += total
            funded.append(FundedActivity(allocation.activity, allocation.amount, dict(disbursed)))
        result.append(PlanOverview(plan, tuple(funded)))
    return result


def plans_table(scope: Scope, overview: list[PlanOverview] | None = None) -> FigureTable:
    """Return one row per plan: planned total, allocated to activities, paid on them since."""
    overview = plans_overview(scope) if overview is None else overview
    cells: dict[str, Cells] = {}
    labels: dict[str, str] = {}
    for item in overview:
        plan = item.plan
        code = str(plan.year) if scope.organisation else f"{plan.reporting_org.slug}-{plan.year}"
        labels[code] = text(plan.title) or str(plan.year)
        row: Cells = {Column("activities"): len(item.funded)}
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
