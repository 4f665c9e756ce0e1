"""The raw figures: the sums the database adds up, before they become tables.

A figure table is built in two steps: the database adds up amounts and counts into *rows*
(grouped by code, share parameters, measure and currency), then Python turns rows into cells
(``opencoop.stats.selectors``). Rows of different authorities add up: an activity has one
reporting authority, so counts of activities and sums of amounts over a set of authorities are
the sums of each authority's rows. That is what lets ``opencoop.stats.kept`` keep each
authority's rows and add them, instead of reading every activity again.

The rules of what counts are those of ``opencoop.stats.selectors``' docstring; visibility is the
access policy's (``disclosure.public_activities``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
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
)
from django.db.models.functions import Coalesce, ExtractYear, NullIf

from opencoop.access import policy
from opencoop.activities.derived import with_sdg_goals, with_sector_groups
from opencoop.activities.disclosure import (
    hiding_participations,
    named_participations,
    public_activities,
    with_exact_places,
)
from opencoop.activities.models import (
    ActivityQuerySet,
    Budget,
    Location,
    ParticipatingOrg,
    RecipientCountry,
    SdgTag,
    Sector,
    Transaction,
)
from opencoop.operations.replicas import read_connection
from opencoop.organisations.models import Organisation
from opencoop.plans.models import AnnualPlan, PlanAllocation

COMMITMENT = "2"
DISBURSEMENTS = ("3", "4")

# (kind, code, n, stated, total, percentage, transaction type, currency, value): kind "count"
# (value: activities) or "amount" (value: the sum of the group's amounts).
AllocationRow = tuple
# (measure, year, currency, total)
YearRow = tuple[str, int, str, object]
# (plan id, measure, currency, value): measure "activities", "allocated" or "paid_since".
PlanRow = tuple[int, str, str, object]


class Scope:
    """Whose figures: one reporting authority, a set of them, or all (``organisation=None``).

    ``authorities`` narrows to a set of authorities' ids (None: all); ``excluding`` leaves some
    out (those whose figures are kept, when the rest is read afresh); ``country`` narrows to the
    activities in one recipient country, which have no annual plans (plans are not by country).
    ``only`` narrows to some activities (ids); ``uncounted`` leaves activities out: an atlas's
    records of an activity another record of it already counts (``opencoop.atlas.duplicates``).
    """

    def __init__(
        self,
        organisation: Organisation | None = None,
        today: datetime.date | None = None,
        *,
        authorities: Iterable[int] | None = None,
        excluding: Iterable[int] = (),
        country: str = "",
        only: Iterable[int] | None = None,
        uncounted: Iterable[int] = (),
    ) -> None:
        self.organisation = organisation
        self.today = today
        self.authorities = None if authorities is None else frozenset(authorities)
        self.excluding = frozenset(excluding)
        self.country = country
        self.only = None if only is None else frozenset(only)
        self.uncounted = frozenset(uncounted)

    @property
    def slug(self) -> str:
        """Return the scope's name in addresses: the authority's slug, or "all"."""
        return self.organisation.slug if self.organisation is not None else "all"

    @property
    def authority_ids(self) -> frozenset[int] | None:
        """Return the ids of the authorities the scope covers (None: every one)."""
        ids = self.authorities
        if self.organisation is not None:
            ids = frozenset({self.organisation.pk}) if ids is None else ids & {self.organisation.pk}
        return ids

    def _narrow(self, queryset: QuerySet) -> QuerySet:
        if self.organisation is not None:
            queryset = queryset.filter(reporting_org=self.organisation)
        if self.authorities is not None:
            queryset = queryset.filter(reporting_org_id__in=self.authorities)
        if self.excluding:
            queryset = queryset.exclude(reporting_org_id__in=self.excluding)
        return queryset

    def activities(self) -> ActivityQuerySet:
        """Return the public activities of the scope."""
        activities = self._narrow(public_activities(self.today))
        if self.only is not None:
            activities = activities.filter(pk__in=self.only)
        if self.uncounted:
            activities = activities.exclude(pk__in=self.uncounted)
        return activities.in_country(self.country) if self.country else activities

    def plans(self) -> QuerySet[AnnualPlan]:
        """Return the published annual plans of the scope (none of some activities only)."""
        if self.country or self.only is not None:
            return AnnualPlan.objects.none()
        return self._narrow(policy.public(AnnualPlan))

    def money(self) -> QuerySet:
        """Return the scope's commitments and payments as rows (activity, type, currency, value).

        A SQL form, added up by the database: the scope may hold 100,000 activities.
        """
        return (
            Transaction.objects.filter(
                activity_id__in=self.activities().values("id"),
                type__in=(COMMITMENT, *DISBURSEMENTS),
            )
            .annotate(cur=row_currency())
            .values_list("activity_id", "type", "cur", "value")
            .order_by()
        )


def row_currency():
    """Return the currency of a transaction or budget row: its own, else the activity's."""
    return Coalesce(NullIf(F("currency"), Value("")), F("activity__default_currency"))


def money_measure(transaction_type: str) -> str:
    return "committed" if transaction_type == COMMITMENT else "disbursed"


# --- Allocations: counts and amounts by a code of the activities --------------------------------

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


def _country_parts(scope: Scope) -> QuerySet:
    rows = RecipientCountry.objects.filter(activity_id__in=scope.activities().values("id"))
    return rows.values_list("activity_id", "code", "percentage")


def _sectors(scope: Scope) -> QuerySet[Sector]:
    return Sector.objects.filter(activity_id__in=scope.activities().values("id"))


def _sector_parts(scope: Scope) -> QuerySet:
    return _sectors(scope).filter(vocabulary="1").values_list("activity_id", "code", "percentage")


def _sector_group_parts(scope: Scope) -> QuerySet:
    # One vocabulary per activity, as the catalogue groups it (``activities.derived``).
    return with_sector_groups(_sectors(scope)).values_list(
        "activity_id", "sector_group", "percentage"
    )


def _sdg_parts(scope: Scope) -> QuerySet:
    # A target ("4.1") counts under its goal ("4"), as in the catalogue (``activities.derived``).
    return (
        with_sdg_goals(SdgTag.objects.filter(activity_id__in=scope.activities().values("id")))
        .values_list("activity_id", "sdg_goal")
        .distinct()
    )


UNDISCLOSED = "undisclosed"
UNSTATED = "unstated"


def _partner_type_parts(scope: Scope) -> QuerySet:
    # As ``public_participants`` describes them: a partner hidden in one role is hidden in all.
    hidden = hiding_participations(OuterRef("activity_id"), OuterRef("organisation_id"))
    return (
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


# Each table of allocations: its (activity, code[, percentage]) rows, and whether an activity's
# amounts are split among its rows (else each code gets the whole amount).
ALLOCATIONS: dict[str, tuple[Callable[[Scope], QuerySet], bool]] = {
    "by-country": (_country_parts, True),
    "by-sector": (_sector_parts, True),
    "by-sector-group": (_sector_group_parts, True),
    "by-sdg": (_sdg_parts, False),
    "by-partner-type": (_partner_type_parts, False),
}


def allocation_rows(scope: Scope, table: str) -> list[AllocationRow]:
    """Return the database's sums for allocation table ``table`` over ``scope``'s activities.

    Activities with no row are counted under "" ("not stated").
    """
    parts_of, split = ALLOCATIONS[table]
    # The transactions are a subquery (twice) rather than a CTE, so that the planner knows
    # their numbers and keeps its estimates, and its plan, modest.
    public, public_params = scope.activities().order_by().values("id").query.sql_with_params()
    rows, rows_params = parts_of(scope).order_by().query.sql_with_params()
    money, money_params = scope.money().query.sql_with_params()
    sql = _ALLOCATION_SQL.format(
        public=public,
        columns="(activity_id, code, percentage)" if split else "(activity_id, code)",
        parts=rows,
        shares=_SPLIT_SHARES if split else _WHOLE_SHARES,
        money=money,
    )
    params = [*public_params, *rows_params, *money_params, *money_params]
    # Raw SQL follows the router only when it asks: a public read runs it on its replica.
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- Money by year ----------------------------------------------------------------------------


def _budgets(scope: Scope) -> QuerySet[Budget]:
    """Return the budgets that count: a revised budget replaces the original of its period."""
    revised = Budget.objects.filter(
        activity=OuterRef("activity"), period_start=OuterRef("period_start"), type="2"
    )
    return Budget.objects.filter(activity_id__in=scope.activities().values("id")).filter(
        Q(type="2") | ~Exists(revised)
    )


def _payments(scope: Scope) -> QuerySet[Transaction]:
    return Transaction.objects.filter(
        activity_id__in=scope.activities().values("id"), type__in=(COMMITMENT, *DISBURSEMENTS)
    )


def year_rows(scope: Scope) -> list[YearRow]:
    """Return planned (plans), budget, committed and disbursed sums by year and currency."""
    found: list[YearRow] = [
        ("planned", row["year"], row["currency"], row["total"])
        for row in scope.plans()
        .filter(planned_total__isnull=False)
        .values("year", "currency")
        .annotate(total=Sum("planned_total"))
        .order_by()
    ]
    found += [
        ("budget", row["year"], row["cur"], row["total"])
        for row in _budgets(scope)
        .annotate(year=ExtractYear("period_start"), cur=row_currency())
        .values("year", "cur")
        .annotate(total=Sum("value"))
        .order_by()
    ]
    found += [
        (money_measure(row["type"]), row["year"], row["cur"], row["total"])
        for row in _payments(scope)
        .annotate(year=ExtractYear("date"), cur=row_currency())
        .values("year", "type", "cur")
        .annotate(total=Sum("value"))
        .order_by()
    ]
    return found


_BY_COUNTRY_SQL = """
SELECT c.code, m.year, m.cur, SUM(m.value)
  FROM ({rows}) m JOIN (SELECT DISTINCT activity_id, code FROM ({countries}) rc) c
    ON c.activity_id = m.activity_id
  GROUP BY c.code, m.year, m.cur
"""


def country_year_rows(scope: Scope) -> list[tuple[str, str, int, str, object]]:
    """Return (country, measure, year, currency, total): each country's ``year_rows``.

    An activity counts in full in each of its countries (as on the country page, whose
    activities are those ``in_country``); annual plans are not by country.
    """
    countries, countries_params = (
        RecipientCountry.objects.filter(activity_id__in=scope.activities().values("id"))
        .values_list("activity_id", "code")
        .order_by()
        .query.sql_with_params()
    )
    found = []
    sources = (
        ("budget", _budgets(scope).annotate(year=ExtractYear("period_start"), cur=row_currency())),
        *(
            (measure, _payments(scope).filter(type__in=types))
            for measure, types in (("committed", (COMMITMENT,)), ("disbursed", DISBURSEMENTS))
        ),
    )
    for measure, queryset in sources:
        if measure != "budget":
            queryset = queryset.annotate(year=ExtractYear("date"), cur=row_currency())
        rows, rows_params = (
            queryset.values_list("activity_id", "year", "cur", "value")
            .order_by()
            .query.sql_with_params()
        )
        sql = _BY_COUNTRY_SQL.format(rows=rows, countries=countries)
        with read_connection().cursor() as cursor:
            cursor.execute(sql, [*rows_params, *countries_params])
            found += [(code, measure, year, cur, total) for code, year, cur, total in cursor]
    return found


# --- Who works in each country ----------------------------------------------------------------

# (country, measure, organisation id, activities): measure ``REPORTING`` (the authority that
# reports them) or ``PARTNER`` (an organisation they name, as ``named_participations`` allows).
CountryOrgRow = tuple[str, str, int, int]
REPORTING = "reporting"
PARTNER = "partner"


def country_org_rows(scope: Scope) -> list[CountryOrgRow]:
    """Return, for each recipient country, its authorities and named partners, with activities.

    An activity counts once in each of its countries. A partner hidden in any role of an
    activity is not named by it. Counts of activities add up over authorities (an activity has
    one reporting authority), so the rows are kept per authority (``opencoop.stats.kept``); the
    reporting rows add up to the country's number of public activities.
    """
    activities = scope.activities().values("id")
    countries = RecipientCountry.objects.filter(activity_id__in=activities)
    found: list[CountryOrgRow] = [
        (row["code"], REPORTING, row["activity__reporting_org_id"], row["n"])
        for row in countries.values("code", "activity__reporting_org_id")
        .annotate(n=Count("activity_id", distinct=True))
        .order_by()
    ]
    named = named_participations().filter(activity_id__in=activities)
    found += [
        (row["activity__recipient_countries__code"], PARTNER, row["organisation_id"], row["n"])
        for row in named.values("activity__recipient_countries__code", "organisation_id")
        .annotate(n=Count("activity_id", distinct=True))
        .order_by()
    ]
    # An activity without a country (or with an empty code) is in no country's rows.
    return [row for row in found if row[0]]


# --- Places: the map's, and each country's ---------------------------------------------------

PLACE_PRECISION = Decimal("0.01")  # about a kilometre: activities in one town share a point

# (country, latitude, longitude, first activity, activities): a place is its coordinates rounded
# (``place_key``); its first activity (lowest id) names it, and is the one it links to when alone.
# Country "" is the map of the whole scope; a code, the places of that country's activities.
PlaceRow = tuple[str, Decimal, Decimal, int, int]
MAP = ""  # the country of the map's own rows: every activity, in whatever country


def place_key(latitude, longitude) -> tuple[Decimal, Decimal]:
    """Return the point a location is drawn at: its coordinates rounded to ``PLACE_PRECISION``."""
    return (
        Decimal(latitude).quantize(PLACE_PRECISION),
        Decimal(longitude).quantize(PLACE_PRECISION),
    )


def place_rows(scope: Scope) -> list[PlaceRow]:
    """Return the public exact places of the scope's activities: the map's, and each country's.

    A place is exact when its activity does not hide its locations (``with_exact_places``) and
    it has coordinates. An activity counts once at each of its places: in the map's rows
    (country ``MAP``, an activity with no recipient country too) and in each of its countries'.
    Counts add up over authorities (an activity has one), and the first activity of a place over
    several authorities is the lowest of theirs: the rows are kept per authority.
    """
    activities = with_exact_places(scope.activities()).values("id")
    countries: dict[int, list[str]] = {}
    for activity_id, code in RecipientCountry.objects.filter(
        activity_id__in=activities
    ).values_list("activity_id", "code"):
        if code:
            countries.setdefault(activity_id, []).append(code)
    places: dict[tuple[str, Decimal, Decimal], dict[int, None]] = {}
    keys: dict[tuple, tuple[Decimal, Decimal]] = {}
    for activity_id, latitude, longitude in (
        Location.objects.filter(
            activity_id__in=activities, latitude__isnull=False, longitude__isnull=False
        )
        .order_by("activity_id")
        .values_list("activity_id", "latitude", "longitude")
        .iterator(chunk_size=5000)
    ):
        # Many activities share a town's coordinates: each pair is rounded once.
        key = keys.get((latitude, longitude))
        if key is None:
            key = keys[(latitude, longitude)] = place_key(latitude, longitude)
        for code in (MAP, *countries.get(activity_id, ())):
            places.setdefault((code, *key), {})[activity_id] = None
    return [
        (code, latitude, longitude, min(members), len(members))
        for (code, latitude, longitude), members in places.items()
    ]


def first_activities(
    scope: Scope, places: Iterable[tuple[Decimal, Decimal]]
) -> dict[tuple[Decimal, Decimal], int]:
    """Return the lowest public activity of ``scope`` with an exact location at each of ``places``.

    A place is rounded coordinates (``place_key``): its locations are among those a step around
    it (wider than the half step that rounds to it: SQLite compares decimals as floats), read in
    activity order until one rounds to it. For the few places whose first activity a scope
    leaves uncounted (``kept.place_rows``); a place with none is left out.
    """
    activities = with_exact_places(scope.activities()).values("id")
    step = PLACE_PRECISION
    found: dict[tuple[Decimal, Decimal], int] = {}
    for latitude, longitude in places:
        for activity_id, lat, lon in (
            Location.objects.filter(
                activity_id__in=activities,
                latitude__range=(latitude - step, latitude + step),
                longitude__range=(longitude - step, longitude + step),
            )
            .order_by("activity_id")
            .values_list("activity_id", "latitude", "longitude")
            .iterator(chunk_size=100)
        ):
            if place_key(lat, lon) == (latitude, longitude):
                found[(latitude, longitude)] = activity_id
                break
    return found


# --- By reporting authority ---------------------------------------------------------------------

# (authority id, kind, transaction type, currency, value): kind "count" (value: activities, no
# type nor currency) or "amount" (value: the sum of the type's amounts in the currency).
AuthorityRow = tuple[int, str, str, str | None, object]


def authority_rows(scope: Scope) -> list[AuthorityRow]:
    """Return each authority's public activities, and its commitments and payments by currency.

    Each activity has one reporting authority: it counts whole under it.
    """
    activities = scope.activities()
    found: list[AuthorityRow] = [
        (row["reporting_org_id"], "count", "", None, row["n"])
        for row in activities.values("reporting_org_id").annotate(n=Count("id")).order_by()
    ]
    found += [
        (row["activity__reporting_org_id"], "amount", row["type"], row["cur"], row["total"])
        for row in Transaction.objects.filter(
            activity_id__in=activities.values("id"), type__in=(COMMITMENT, *DISBURSEMENTS)
        )
        .annotate(cur=row_currency())
        .values("activity__reporting_org_id", "type", "cur")
        .annotate(total=Sum("value"))
        .order_by()
    ]
    return found


# --- Annual plans -------------------------------------------------------------------------------


def plan_rows(scope: Scope, plans: Iterable[int] | QuerySet | None = None) -> list[PlanRow]:
    """Return each plan's public funded activities of the scope, allocated and paid since.

    ``plans`` (ids, or a queryset of plans) limits the plans; None: the scope's public plans.
    Paid since: disbursements and expenditure on those activities from the plan's year on.
    """
    in_scope = scope.plans() if plans is None else plans
    allocations = PlanAllocation.objects.filter(
        plan__in=in_scope, activity_id__in=scope.activities().values("id")
    ).order_by()
    found: list[PlanRow] = []
    for row in allocations.values("plan_id").annotate(count=Count("id"), allocated=Sum("amount")):
        found.append((row["plan_id"], "activities", "", row["count"]))
        found.append((row["plan_id"], "allocated", "", row["allocated"]))
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
        found.append((row["plan_id"], "paid_since", row["cur"], row["total"]))
    return found
