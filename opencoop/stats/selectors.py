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

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, ExtractYear, NullIf, RowNumber
from django.utils.translation import gettext as _

from opencoop.access import policy
from opencoop.activities.derived import with_sdg_goals, with_sector_groups
from opencoop.activities.disclosure import hiding_participations, public_activities
from opencoop.activities.models import (
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
from opencoop.operations.replicas import read_connection
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
        self,
        organisation: Organisation | None = None,
        today: datetime.date | None = None,
        *,
        authorities: frozenset[int] | None = None,
    ) -> None:
        self.organisation = organisation
        self.today = today
        # Without one organisation: the authorities of the site asked (None: every one).
        self.authorities = authorities

    @property
    def slug(self) -> str:
        """Return the scope's name in addresses: the authority's slug, or "all"."""
        return self.organisation.slug if self.organisation is not None else "all"

    def activities(self) -> ActivityQuerySet:
        """Return the public activities of the scope."""
        qs = public_activities(self.today)
        if self.organisation is not None:
            qs = qs.filter(reporting_org=self.organisation)
        elif self.authorities is not None:
            qs = qs.filter(reporting_org_id__in=self.authorities)
        return qs

    def plans(self) -> QuerySet[AnnualPlan]:
        """Return the published annual plans of the scope."""
        qs = policy.public(AnnualPlan)
        if self.organisation is not None:
            qs = qs.filter(reporting_org=self.organisation)
        elif self.authorities is not None:
            qs = qs.filter(reporting_org_id__in=self.authorities)
        return qs

    def money(self) -> QuerySet:
        """Return the scope's commitments and payments as rows (activity, type, currency, value).

        A SQL form, added up by the database: the scope may hold 100,000 activities.
        """
        return (
            Transaction.objects.filter(
                activity_id__in=self.activities().values("id"),
                type__in=(COMMITMENT, *DISBURSEMENTS),
            )
            .annotate(cur=_currency())
            .values_list("activity_id", "type", "cur", "value")
            .order_by()
        )


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


# The database adds up; Python multiplies each group's sum by its share, in Decimal, so that the
# figures are those of adding the activities one by one, on PostgreSQL and SQLite alike.
_ALLOCATION_SQL = """
WITH pub AS ({public}),
parts{columns} AS ({parts}),
shares AS ({shares})
SELECT 'amount', s.code, s.n, s.stated, s.total, s.percentage, m.type, m.cur, SUM(m.value)
  FROM shares s JOIN ({money}) m ON m.activity_id = s.activity_id
  GROUP BY s.code, s.n, s.stated, s.total, s.percentage, m.type, m.cur
UNION ALL
SELECT 'count', code, NULL, NULL, NULL, NULL, NULL, NULL, COUNT(DISTINCT activity_id)
  FROM parts GROUP BY code
UNION ALL
SELECT 'count', '', NULL, NULL, NULL, NULL, NULL, NULL, COUNT(*)
  FROM pub WHERE NOT EXISTS (SELECT 1 FROM parts p WHERE p.activity_id = pub.id)
UNION ALL
SELECT 'amount', '', NULL, NULL, NULL, NULL, m.type, m.cur, SUM(m.value)
  FROM ({money}) m WHERE NOT EXISTS (SELECT 1 FROM parts p WHERE p.activity_id = m.activity_id)
  GROUP BY m.type, m.cur
"""

# Split: each row's percentage, the activity's number of rows, of stated percentages, their sum.
_SPLIT_SHARES = """
SELECT activity_id, code, percentage,
       COUNT(*) OVER (PARTITION BY activity_id) AS n,
       COUNT(percentage) OVER (PARTITION BY activity_id) AS stated,
       SUM(percentage) OVER (PARTITION BY activity_id) AS total
  FROM parts
"""
_WHOLE_SHARES = """
SELECT activity_id, code, NULL AS percentage, 1 AS n, 1 AS stated, NULL AS total FROM parts
"""


def _decimal(value) -> Decimal | None:
    """Return a sum of two-decimal figures as Decimal (SQLite adds them as floats)."""
    return None if value is None else Decimal(str(value)).quantize(CENT)


def _share(n: int, stated: int, total, percentage) -> Decimal:
    """Return a row's share of its activity: by percentage, equally when any is missing."""
    total, percentage = _decimal(total), _decimal(percentage)
    if stated < n or total is None or total <= 0:
        return ONE / n
    return percentage / total


def _allocate(scope: Scope, parts: QuerySet, *, split: bool) -> dict[str, Cells]:
    """Count the activities under each code and add up their amounts times their shares.

    ``parts`` gives (activity_id, code, percentage) rows of the scope's activities. With
    ``split``, an activity's amounts are shared among its rows by percentage (equally when any
    percentage is missing); without, ``parts`` gives distinct (activity_id, code) rows and each
    code gets the whole amount. Activities with no row are counted under "" ("not stated").
    """
    # The transactions are a subquery (twice) rather than a CTE, so that the planner knows
    # their numbers and keeps its estimates, and its plan, modest.
    public, public_params = scope.activities().order_by().values("id").query.sql_with_params()
    rows, rows_params = parts.order_by().query.sql_with_params()
    money, money_params = scope.money().query.sql_with_params()
    sql = _ALLOCATION_SQL.format(
        public=public,
        columns="(activity_id, code, percentage)" if split else "(activity_id, code)",
        parts=rows,
        shares=_SPLIT_SHARES if split else _WHOLE_SHARES,
        money=money,
    )
    params = [*public_params, *rows_params, *money_params, *money_params]
    cells: dict[str, Cells] = defaultdict(dict)
    # Raw SQL follows the router only when it asks: a public read runs it on its replica.
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    for kind, code, n, stated, total, percentage, tx_type, currency, value in found:
        if kind == "count":
            if value:
                cells[code][Column("activities")] = int(value)
            continue
        share = _share(n, stated, total, percentage) if split and n is not None else ONE
        column = Column(_money_measure(tx_type), currency)
        row = cells[code]
        row[column] = row.get(column, Decimal(0)) + _decimal(value) * share
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
    parts = rows.values_list("activity_id", "code", "percentage")
    countries = registry.get("Country")
    return _table(
        slug="by-country",
        title=_("By country"),
        code_label=_("Country"),
        cells=_allocate(scope, parts, split=True),
        label=lambda code: countries.label(code) if code else _("No country stated"),
        note=_(
            "An activity in several countries is split by their percentages (equally when none "
            "are given) and counted once in each country."
        ),
        filter_param="country",
    )


def by_sector(scope: Scope) -> FigureTable:
    """Return activities and amounts by DAC 5-digit sector."""
    parts = _sectors(scope).filter(vocabulary="1").values_list("activity_id", "code", "percentage")
    sectors = registry.get("Sector")
    return _table(
        slug="by-sector",
        title=_("By sector"),
        code_label=_("Sector"),
        cells=_allocate(scope, parts, split=True),
        label=lambda code: sectors.label(code) if code else _("No DAC sector stated"),
        note=_("An activity in several sectors is split by their percentages."),
        filter_param="sector",
    )


def _sectors(scope: Scope) -> QuerySet[Sector]:
    return Sector.objects.filter(activity_id__in=scope.activities().values("id"))


def by_sector_group(scope: Scope) -> FigureTable:
    """Return activities and amounts by DAC 3-digit sector group."""
    # One vocabulary per activity, as the catalogue groups it (``activities.derived``).
    parts = with_sector_groups(_sectors(scope)).values_list(
        "activity_id", "sector_group", "percentage"
    )
    groups = registry.get("SectorCategory")
    return _table(
        slug="by-sector-group",
        title=_("By sector group"),
        code_label=_("Sector group"),
        cells=_allocate(scope, parts, split=True),
        label=lambda code: groups.label(code) if code else _("No DAC sector stated"),
        note=_("Sectors grouped by their DAC 3-digit category."),
        filter_param="sector_group",
    )


def by_sdg(scope: Scope) -> FigureTable:
    """Return activities and amounts by Sustainable Development Goal."""
    # A target ("4.1") counts under its goal ("4"), as in the catalogue (``activities.derived``).
    parts = (
        with_sdg_goals(SdgTag.objects.filter(activity_id__in=scope.activities().values("id")))
        .values_list("activity_id", "sdg_goal")
        .distinct()
    )
    goals = registry.get("UNSDG-Goals")
    return _table(
        slug="by-sdg",
        title=_("By Sustainable Development Goal"),
        code_label=_("Goal"),
        cells=_allocate(scope, parts, split=False),
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
    # As ``public_participants`` describes them: a partner hidden in one role is hidden in all.
    hidden = hiding_participations(OuterRef("activity_id"), OuterRef("organisation_id"))
    parts = (
        ParticipatingOrg.objects.filter(activity_id__in=scope.activities().values("id"))
        .annotate(hidden=Exists(hidden))
        .filter(Q(hidden=True) | ~Q(organisation_id=F("activity__reporting_org_id")))
        .annotate(
            partner_type=Case(
                When(hidden=True, then=Value(UNDISCLOSED)),
                default=Coalesce(NullIf(F("organisation__type"), Value("")), Value(UNSTATED)),
                output_field=CharField(),
            )
        )
        .values_list("activity_id", "partner_type")
        .distinct()
    )
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
        cells=_allocate(scope, parts, split=False),
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
    to the scope's figures.
    """
    parts = scope.activities().values_list("id", "reporting_org__slug")
    names = dict(
        Organisation.objects.filter(pk__in=scope.activities().values("reporting_org")).values_list(
            "slug", "name"
        )
    )
    return _table(
        slug="by-authority",
        title=_("By reporting authority"),
        code_label=_("Reporting authority"),
        cells=_allocate(scope, parts, split=False),
        label=lambda slug: text(names.get(slug) or {}) or slug,
        filter_param="org",
        with_total=True,
    )


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
        in_scope = scope.plans()  # a subquery: every plan
    else:
        plans = list(plans)
        in_scope = [plan.pk for plan in plans]
    allocations = PlanAllocation.objects.filter(
        plan__in=in_scope, activity_id__in=scope.activities().values("id")
    ).order_by()
    totals = {
        row["plan_id"]: row
        for row in allocations.values("plan_id").annotate(
            count=Count("id"), allocated=Sum("amount")
        )
    }
    paid: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row in (
        allocations.filter(activity__transactions__type__in=DISBURSEMENTS)
        .annotate(
            year=ExtractYear("activity__transactions__date"),
            cur=Coalesce(
                NullIf(F("activity__transactions__currency"), Value("")),
                F("activity__default_currency"),
            ),
        )
        .filter(year__gte=F("plan__year"))
        .values("plan_id", "cur")
        .annotate(total=Sum("activity__transactions__value"))
    ):
        paid[row["plan_id"]][row["cur"]] = row["total"]
    listed = _listed_allocations(allocations, shown)
    payments: dict[int, list[tuple[int, str, Decimal]]] = defaultdict(list)
    if listed:
        for row in (
            Transaction.objects.filter(
                activity_id__in={row[2] for row in listed}, type__in=DISBURSEMENTS
            )
            .annotate(year=ExtractYear("date"), cur=_currency())
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
        total = totals.get(plan.pk, {})
        result.append(
            PlanOverview(
                plan,
                tuple(funded),
                funded_count=total.get("count", 0),
                allocated=total.get("allocated") or Decimal(0),
                disbursed=dict(
                    sorted(paid[plan.pk].items(), key=lambda item: (item[0] != EUR, item[0]))
                ),
            )
        )
    return result


def _listed_allocations(allocations: QuerySet, shown: int | None) -> list[tuple]:
    """Return the first ``shown`` allocations of each plan (all when None), in plan order.

    Plain rows (plan, amount, activity's id, title, slug, authority): a page over every
    authority lists thousands.
    """
    if shown == 0:
        return []
    listed = allocations
    if shown is not None:
        listed = listed.annotate(
            rank=Window(RowNumber(), partition_by=F("plan_id"), order_by=["sort_order", "id"])
        ).filter(rank__lte=shown)
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
