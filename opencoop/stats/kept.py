"""Figures that are kept, not recomputed: each authority's sums, refreshed when its records change.

Statistics, the map, the plans overview and the country pages add up *rows* the database
computes (``opencoop.stats.figures``). At 100,000 activities computing them is seconds; so each
authority's rows are kept in ``KeptFigure`` and a page adds the rows of the authorities it covers.

When they are refreshed (``refresh``), in the transaction of the change:
- ``write_records`` (imports, harvests, the generator) refreshes the authorities it wrote;
- Wagtail's publish and unpublish of an activity or an annual plan (the admin's single save)
  refresh its authority.
Any other change to a row the figures are made from (a part, a transaction, a partner's type…)
marks its authority's figures *dirty*; so does nothing at all when an embargo ends
(``valid_until``). Figures that are dirty, past their day or never computed are not used: that
authority's rows are read afresh (the same code), and ``refresh_figures`` (a command, and a job
enqueued after such a change) brings them back.

The sum of every authority's rows, key by key, is kept too (``KeptTotal``): a page over all
authorities reads it, a few rows, instead of adding every authority's. ``refresh`` changes it by
the difference between an authority's old and new rows, in the same transaction; a reader takes
off the kept rows of the authorities out of date (and reads those afresh), so it holds the same
guarantee as the authorities' own rows. It is exactly their sum (``totals_differ``).

One rule of visibility: the rows are computed by the same functions over the same
``public_activities`` as before, so a record the access policy hides is never in them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from opencoop.access import policy
from opencoop.activities.models import Activity
from opencoop.organisations.models import Organisation
from opencoop.pages.published import remember
from opencoop.plans.models import AnnualPlan

from . import figures
from .figure_models import FigureColumns, FigureState, KeptFigure, KeptTotal
from .figures import Scope

# What is kept, besides the allocation tables of ``figures.ALLOCATIONS``.
BY_YEAR = "by-year"
COUNTRY_YEAR = "country-year"
COUNTRY_ORGS = "country-orgs"  # each country's authorities and named partners (country pages)
PLACES = "places"  # the exact places: the map's (country "") and each country's
PLANS = "plans"
AUTHORITY = "authority"  # an authority's activities and money, whole (the atlas's by authority)
BATCH = 2000


# --- Refreshing ---------------------------------------------------------------------------------


def refresh(authority_ids: Iterable[int | None]) -> None:
    """Compute again and keep the figures of the authorities ``authority_ids``.

    Runs in the caller's transaction (one of its own otherwise), so that figures and records
    change together.
    """
    ids = sorted({pk for pk in authority_ids if pk is not None})
    if not ids:
        return
    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        _lock_totals()
        FigureState.objects.bulk_create(
            [FigureState(authority_id=pk, refreshed_at=now, dirty=True) for pk in ids],
            ignore_conflicts=True,
        )
        # One refresh of an authority at a time: the rows are deleted and written again.
        list(FigureState.objects.select_for_update().filter(authority_id__in=ids).order_by("pk"))
        before = _summed(ids)
        KeptFigure.objects.filter(authority_id__in=ids).delete()
        kept: list[KeptFigure] = []
        for pk in ids:
            kept += _rows_of(pk, today)
            if len(kept) >= BATCH:
                KeptFigure.objects.bulk_create(kept, batch_size=BATCH)
                kept = []
        KeptFigure.objects.bulk_create(kept, batch_size=BATCH)
        # Read back as stored (rounded to the columns), so that the totals add what is kept.
        _add_to_totals(_summed(ids), minus=before)
        ends = policy.next_public_days(
            Activity.objects.filter(reporting_org_id__in=ids), "reporting_org_id", today
        )
        FigureState.objects.bulk_create(
            [
                FigureState(
                    authority_id=pk, refreshed_at=now, valid_until=ends.get(pk), dirty=False
                )
                for pk in ids
            ],
            update_conflicts=True,
            unique_fields=["authority"],
            update_fields=["refreshed_at", "valid_until", "dirty"],
        )


def refresh_all() -> int:
    """Refresh the figures of every authority with records, and forget those of others."""
    ids = set(Activity.objects.values_list("reporting_org_id", flat=True).distinct())
    ids |= set(AnnualPlan.objects.values_list("reporting_org_id", flat=True).distinct())
    ids.discard(None)
    with transaction.atomic():
        FigureState.objects.exclude(authority_id__in=ids).delete()
        KeptFigure.objects.exclude(authority_id__in=ids).delete()
        refresh(ids)
        # Whatever the totals held before (rows deleted outside this module), they now hold
        # exactly the sum of the rows just written.
        rebuild_totals()
    return len(ids)


def forget(authority_ids: Iterable[int]) -> None:
    """Take the kept figures of ``authority_ids`` out of the totals, and delete them.

    Called before an authority is deleted too: its rows would go with it (``on_delete``) and
    leave the totals counting them.
    """
    ids = sorted(set(authority_ids))
    if not ids:
        return
    with transaction.atomic():
        _lock_totals()
        _add_to_totals({}, minus=_summed(ids))
        KeptFigure.objects.filter(authority_id__in=ids).delete()
        FigureState.objects.filter(authority_id__in=ids).delete()


def refresh_outdated() -> int:
    """Refresh the authorities whose figures are dirty or past their day; return how many."""
    ids = list(
        FigureState.objects.filter(
            Q(dirty=True) | Q(valid_until__lte=timezone.localdate())
        ).values_list("authority_id", flat=True)
    )
    refresh(ids)
    return len(ids)


def _rows_of(authority_id: int, today: datetime.date) -> list[KeptFigure]:
    scope = Scope(authorities={authority_id}, today=today)
    rows: list[KeptFigure] = []

    def keep(table: str, value, **fields) -> None:
        if value is not None:
            rows.append(KeptFigure(authority_id=authority_id, table=table, value=value, **fields))

    for table in figures.ALLOCATIONS:
        for (
            kind,
            code,
            n,
            stated,
            total,
            percentage,
            tx_type,
            cur,
            value,
        ) in figures.allocation_rows(scope, table):
            keep(
                table,
                value,
                kind=kind,
                code=code,
                n=n,
                stated=stated,
                total=total,
                percentage=percentage,
                measure=tx_type or "",
                currency=cur or "",
            )
    for measure, year, cur, value in figures.year_rows(scope):
        if year is not None and cur:
            keep(BY_YEAR, value, code=str(year), measure=measure, currency=cur)
    for country, measure, year, cur, value in figures.country_year_rows(scope):
        if year is not None and cur:
            keep(
                COUNTRY_YEAR, value, country=country, code=str(year), measure=measure, currency=cur
            )
    for country, measure, organisation_id, value in figures.country_org_rows(scope):
        keep(
            COUNTRY_ORGS,
            value,
            country=country,
            kind="count",
            code=str(organisation_id),
            measure=measure,
        )
    for country, latitude, longitude, first, value in figures.place_rows(scope):
        # The first activity is part of the key: the totals keep a row per place and first
        # activity, and a reader takes the lowest.
        keep(
            PLACES,
            value,
            country=country,
            kind="count",
            code=f"{latitude}|{longitude}|{first}",
        )
    for plan_id, measure, cur, value in figures.plan_rows(scope, AnnualPlan.objects.all()):
        keep(PLANS, value, code=str(plan_id), measure=measure, currency=cur)
    for _authority, kind, tx_type, cur, value in figures.authority_rows(scope):
        keep(AUTHORITY, value, kind=kind, measure=tx_type, currency=cur or "")
    return rows


# --- The totals over every authority -------------------------------------------------------------

# One refresh of the totals at a time (PostgreSQL; SQLite writes one transaction at a time).
_TOTALS_LOCK = 0x6F63_746F  # "octo"

Summed = dict[tuple, tuple[object, int]]  # key columns -> (value, number of rows)


def _lock_totals() -> None:
    """Wait for any other transaction changing the totals to end (PostgreSQL), then go on.

    Taken before an authority's figure state is locked, so that two refreshes cannot each
    hold what the other waits for.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_TOTALS_LOCK])


def _summed(authority_ids: Iterable[int] | None) -> Summed:
    """Return the kept rows of ``authority_ids`` (None: all) added up by key, and how many."""
    rows = KeptFigure.objects.order_by()
    if authority_ids is not None:
        rows = rows.filter(authority_id__in=list(authority_ids))
    return {
        tuple(row[field] for field in FigureColumns.KEY): (row["sum"], row["rows"])
        for row in rows.values(*FigureColumns.KEY).annotate(sum=Sum("value"), rows=Count("id"))
    }


def _key_text(key: tuple) -> str:
    """Return the unique text of a key (None and "" apart: a count's ``n`` is None)."""
    return "|".join("~" if part is None else str(part) for part in key)


# The PostgreSQL types of the totals' columns, in ``_add_to_totals``' order.
_ARRAY_TYPES = (
    "text",
    *("text", "text", "text", "text", "integer", "integer", "numeric", "numeric", "text", "text"),
    "numeric",
    "integer",
)


def _add_to_totals(plus: Summed, minus: Summed) -> None:
    """Add ``plus`` and take ``minus`` off the totals, in the database (``INSERT … ON CONFLICT``).

    Keys in one order, so that two transactions lock the rows they share in the same order;
    a key no row adds up to any more (``rows`` 0) is deleted.
    """
    changes: dict[tuple, list] = {}
    for sign, summed in ((1, plus), (-1, minus)):
        for key, (value, count) in summed.items():
            change = changes.setdefault(key, [0, 0])
            change[0] += sign * value
            change[1] += sign * count
    changes = {key: change for key, change in changes.items() if change != [0, 0]}
    if not changes:
        return
    table = connection.ops.quote_name(KeptTotal._meta.db_table)
    columns = ["key", *FigureColumns.KEY, "value", "rows"]
    names = ", ".join(
        connection.ops.quote_name(KeptTotal._meta.get_field(c).column) for c in columns
    )
    value, count = (connection.ops.quote_name(c) for c in ("value", "rows"))
    rows = sorted(
        ([_key_text(key), *key, change[0], change[1]] for key, change in changes.items()),
        key=lambda row: row[0],
    )
    conflict = (
        f"ON CONFLICT ({connection.ops.quote_name('key')}) DO UPDATE SET "
        f"{value} = {table}.{value} + EXCLUDED.{value}, "
        f"{count} = {table}.{count} + EXCLUDED.{count}"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement, a column an array: a refresh changes a thousand keys, and a
            # statement a key (or thousands of placeholders) took 0.2-0.5 s.
            arrays = ", ".join(f"%s::{kind}[]" for kind in _ARRAY_TYPES)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {conflict}",
                [list(column) for column in zip(*rows, strict=True)],
            )
        else:
            one = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({one}) {conflict}", rows)
    KeptTotal.objects.filter(rows=0).delete()


def rebuild_totals() -> None:
    """Write the totals again from every authority's kept rows (after ``refresh_all``)."""
    with transaction.atomic():
        _lock_totals()
        KeptTotal.objects.all().delete()
        _add_to_totals(_summed(None), minus={})


def totals_differ() -> dict[tuple, tuple]:
    """Return the keys whose total is not the sum of the authorities' rows (none: {}).

    (total, sum of the authorities' rows) by key: what the tests and ``refresh_figures
    --check`` ask.
    """
    summed = _summed(None)
    totals = {
        tuple(row[field] for field in FigureColumns.KEY): (row["value"], row["rows"])
        for row in KeptTotal.objects.values(*FigureColumns.KEY, "value", "rows")
    }
    return {
        key: (totals.get(key), summed.get(key))
        for key in summed.keys() | totals.keys()
        if totals.get(key) != summed.get(key)
    }


# --- Marking figures out of date ----------------------------------------------------------------


def mark_dirty(authorities: Subquery | Iterable[int]) -> None:
    """Say that the figures of ``authorities`` (ids, or a query of ids) no longer hold."""
    FigureState.objects.filter(authority_id__in=authorities, dirty=False).update(dirty=True)


def authorities_written(model: type, records: Iterable) -> set[int]:
    """Return the authorities whose figures records of ``model`` change (none for other models)."""
    if model not in (Activity, AnnualPlan):
        return set()
    records = list(records)
    ids = {record.reporting_org_id for record in records}
    if model is AnnualPlan:
        # A plan's rows are kept under the authorities of the activities it funds.
        ids |= set(
            Activity.objects.filter(plan_allocations__plan__in=[r.pk for r in records])
            .values_list("reporting_org_id", flat=True)
            .distinct()
        )
    return ids


def records_written(model: type, records: Iterable) -> None:
    """Refresh the figures that ``records`` of ``model``, just written, are part of."""
    refresh(authorities_written(model, records))


# --- Reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """How a scope's figures are read: kept rows of some authorities, the rest afresh.

    With ``totals``, the kept rows of ``kept`` are read as the totals over every authority
    less the kept rows of ``taken_out`` (the authorities whose rows are out of date or outside
    the scope): a few rows rather than every authority's.
    """

    kept: frozenset[int]
    rest: Scope | None  # the activities read afresh; None when every authority's rows are kept
    refreshed_at: datetime.datetime | None  # of the oldest kept figures used
    totals: bool = False
    taken_out: frozenset[int] = frozenset()

    def sums(self, table: str, fields: tuple[str, ...], **filters) -> list[dict]:
        """Return the kept rows of ``table`` added up by ``fields``: dicts with a "sum".

        The same rows either way: from the totals, a key that only the authorities taken out
        had is left out, as adding up the others' rows would leave it out.
        """
        if not self.totals:
            return list(
                KeptFigure.objects.filter(table=table, authority_id__in=self.kept, **filters)
                .order_by()
                .values(*fields)
                .annotate(sum=Sum("value"))
            )
        found: dict[tuple, list] = {}
        parts = [
            (
                1,
                KeptTotal.objects.filter(table=table, **filters).values_list(
                    *fields, "value", "rows"
                ),
            )
        ]
        if self.taken_out:
            parts.append(
                (
                    -1,
                    KeptFigure.objects.filter(
                        table=table, authority_id__in=self.taken_out, **filters
                    )
                    .order_by()
                    .values(*fields)
                    .annotate(sum=Sum("value"), rows=Count("id"))
                    .values_list(*fields, "sum", "rows"),
                )
            )
        for sign, part in parts:
            for *key, value, count in part:
                entry = found.setdefault(tuple(key), [0, 0])
                entry[0] += sign * value
                entry[1] += sign * count
        return [
            {**dict(zip(fields, key, strict=True)), "sum": value}
            for key, (value, count) in found.items()
            if count
        ]


def coverage(scope: Scope) -> Coverage:
    """Return which of ``scope``'s authorities have figures kept and up to date."""
    today = timezone.localdate()
    cached = getattr(scope, "_coverage", None)
    if cached is not None:
        return cached
    if scope.today not in (None, today) or scope.only is not None:
        return Coverage(frozenset(), scope, None)
    wanted = scope.authority_ids
    # Every authority's state (a row each): the totals hold the kept rows of all of them.
    states = list(
        FigureState.objects.values_list("authority_id", "refreshed_at", "dirty", "valid_until")
    )
    fresh = {
        pk: refreshed
        for pk, refreshed, dirty, valid_until in states
        if not dirty
        and (valid_until is None or valid_until > today)
        and (wanted is None or pk in wanted)
    }
    kept = frozenset(fresh)
    if wanted is not None:
        rest_ids = wanted - kept
        rest = Scope(authorities=rest_ids, today=scope.today) if rest_ids else None
    else:
        rest = Scope(today=scope.today, excluding=kept)
        # Which organisations report records changes only when records are saved, and every
        # save of one starts a new generation: asked once per generation, not on each page.
        others = remember(("others with records", kept), lambda: _others_with_records(kept))
        if not others or not _has_public_records(Scope(today=scope.today, authorities=others)):
            rest = None
    # Authorities with kept rows all have a state (``refresh`` writes both).
    taken_out = frozenset(pk for pk, *_state in states) - kept
    totals = len(taken_out) < len(kept)
    cover = Coverage(
        kept,
        rest,
        min(fresh.values()) if fresh else None,
        totals=totals,
        taken_out=taken_out if totals else frozenset(),
    )
    scope._coverage = cover  # the tables of one page ask once
    return cover


def _others_with_records(kept: frozenset[int]) -> frozenset[int]:
    """Return the organisations besides ``kept`` that report any activity or plan.

    Asked of each organisation through the index on the authority, not by reading every
    activity to find that none is left: at 100,000 activities that scan was the slowest query of
    the statistics, the map and the country pages.
    """
    reports = Exists(Activity.objects.filter(reporting_org_id=OuterRef("pk"))) | Exists(
        AnnualPlan.objects.filter(reporting_org_id=OuterRef("pk"))
    )
    return frozenset(
        Organisation.objects.exclude(pk__in=kept).filter(reports).values_list("pk", flat=True)
    )


def _has_public_records(scope: Scope) -> bool:
    return scope.activities().exists() or scope.plans().exists()


def allocation_rows(scope: Scope, table: str, cover: Coverage | None = None) -> list[tuple]:
    """Return ``figures.allocation_rows`` of ``scope``: kept rows added up, the rest afresh."""
    cover = cover or coverage(scope)
    fields = ("kind", "code", "n", "stated", "total", "percentage", "measure", "currency")
    rows = [
        (r["kind"], r["code"], r["n"], r["stated"], r["total"], r["percentage"])
        + (r["measure"] or None, r["currency"] or None, r["sum"])
        for r in cover.sums(table, fields)
    ]
    return rows + _afresh(scope, cover, lambda part: figures.allocation_rows(part, table))


def year_rows(scope: Scope, cover: Coverage | None = None) -> list[figures.YearRow]:
    """Return ``figures.year_rows`` of ``scope``: kept rows added up, the rest afresh."""
    cover = cover or coverage(scope)
    rows = [
        (r["measure"], int(r["code"]), r["currency"], r["sum"])
        for r in cover.sums(BY_YEAR, ("measure", "code", "currency"))
    ]
    return rows + _afresh(scope, cover, figures.year_rows)


def country_year_rows(scope: Scope, cover: Coverage | None = None) -> list[figures.YearRow]:
    """Return the money by year of ``scope.country``'s activities (``year_rows``'s shape)."""
    cover = cover or coverage(scope)
    country = scope.country
    rows = [
        (r["measure"], int(r["code"]), r["currency"], r["sum"])
        for r in cover.sums(COUNTRY_YEAR, ("measure", "code", "currency"), country=country)
    ]
    return rows + _afresh(scope, cover, figures.country_year_rows, country)


def country_org_rows(scope: Scope) -> list[tuple[str, int, int]]:
    """Return (measure, organisation id, activities) of ``scope.country``: kept rows, the rest afresh.

    ``figures.country_org_rows`` of the country alone: its authorities (``figures.REPORTING``)
    and named partners (``figures.PARTNER``), a row each, whatever the number of activities.
    """
    cover = coverage(scope)
    country = scope.country
    found: dict[tuple[str, int], int] = {}

    def add(measure: str, organisation_id: int, value) -> None:
        key = (measure, organisation_id)
        found[key] = found.get(key, 0) + int(value)

    for r in cover.sums(COUNTRY_ORGS, ("measure", "code"), country=country):
        add(r["measure"], int(r["code"]), r["sum"])
    for measure, organisation_id, value in _afresh(scope, cover, figures.country_org_rows, country):
        add(measure, organisation_id, value)
    return [(measure, pk, value) for (measure, pk), value in found.items() if value]


def place_rows(scope: Scope) -> list[tuple[Decimal, Decimal, int, int]]:
    """Return (latitude, longitude, first activity, activities) of ``scope``'s exact places.

    ``figures.place_rows`` of the map (``scope.country`` "") or of ``scope.country`` alone, from
    kept rows (the rest afresh): a row per place and authority, or per place and first activity
    from the totals, not a read of the scope's locations. Activities the scope leaves uncounted
    are taken off their places; a place whose first activity is one of them is named by the
    next (``figures.first_activities``).
    """
    country = scope.country or figures.MAP
    cover = coverage(scope)
    rows = []
    for r in cover.sums(PLACES, ("code",), country=country):
        latitude, longitude, first = r["code"].split("|")
        rows.append((Decimal(latitude), Decimal(longitude), int(first), int(r["sum"])))
    rows += _afresh(scope, cover, figures.place_rows, country)
    places: dict[tuple[Decimal, Decimal], list] = {}
    for latitude, longitude, first, value in rows:
        place = places.setdefault((latitude, longitude), [None, 0])
        # A row taken off has no say in the first activity.
        if value > 0 and (place[0] is None or first < place[0]):
            place[0] = first
        place[1] += value
    places = {key: place for key, place in places.items() if place[1]}
    renamed = [key for key, (first, _count) in places.items() if first in scope.uncounted]
    if renamed:
        for key, first in figures.first_activities(scope, renamed).items():
            places[key][0] = first
    return [(key[0], key[1], first, count) for key, (first, count) in places.items()]


def plan_rows(
    scope: Scope, plans: Iterable[int] | None = None, cover: Coverage | None = None
) -> list[figures.PlanRow]:
    """Return ``figures.plan_rows`` of ``scope`` for ``plans`` (ids; None: the scope's plans)."""
    cover = cover or coverage(scope)
    narrowed = {}
    if plans is not None:
        # Otherwise every plan's rows: the caller looks up the plans it lists.
        plans = list(plans)
        narrowed["code__in"] = [str(pk) for pk in plans]
    rows = [
        (int(r["code"]), r["measure"], r["currency"], r["sum"])
        for r in cover.sums(PLANS, ("code", "measure", "currency"), **narrowed)
    ]
    # The scope's plans are named: what is taken off (some activities) has none of its own.
    in_scope = scope.plans() if plans is None else plans
    return rows + _afresh(scope, cover, lambda part: figures.plan_rows(part, in_scope))


def authority_rows(scope: Scope) -> list[figures.AuthorityRow]:
    """Return ``figures.authority_rows`` of ``scope``: kept rows of each authority, the rest afresh.

    An authority's rows are whole: a scope of one country, or leaving activities uncounted,
    is read afresh (the caller takes the uncounted ones off apart, ``by_authority``).
    """
    if scope.country or scope.uncounted:
        return figures.authority_rows(scope)
    cover = coverage(scope)
    rows: list[figures.AuthorityRow] = [
        (pk, kind, measure, currency or None, value)
        for pk, kind, measure, currency, value in KeptFigure.objects.filter(
            table=AUTHORITY, authority_id__in=cover.kept
        )
        .order_by()
        .values_list("authority_id", "kind", "measure", "currency", "value")
    ]
    if cover.rest is not None:
        rows += figures.authority_rows(_narrowed(cover.rest, scope))
    return rows


def _afresh(
    scope: Scope,
    cover: Coverage,
    compute: Callable[[Scope], list[tuple]],
    country: str | None = None,
) -> list[tuple]:
    """Return the rows ``compute`` (a function of ``figures``) gives of what kept rows leave out.

    Those of the authorities ``cover`` reads afresh, and those of the activities ``scope``
    leaves uncounted among the kept ones, their value (the last column) negated to take them
    off the kept sums. With ``country``, that country's rows alone, without their first column
    (the country). Every reader of kept rows adds these to them.
    """

    def of(part: Scope) -> list[tuple]:
        rows = compute(part)
        return rows if country is None else [row[1:] for row in rows if row[0] == country]

    rows: list[tuple] = []
    if cover.rest is not None:
        rows += of(_narrowed(cover.rest, scope))
    taken_off = _uncounted_in_kept(scope, cover)
    if taken_off is not None:
        rows += [(*row[:-1], -row[-1]) for row in of(taken_off)]
    return rows


def _narrowed(rest: Scope, scope: Scope) -> Scope:
    """Return the part of ``scope`` read afresh: ``rest``'s authorities, ``scope``'s country."""
    return Scope(
        scope.organisation,
        scope.today,
        authorities=rest.authorities,
        excluding=rest.excluding,
        country=scope.country,
        only=scope.only,
        uncounted=scope.uncounted,
    )


def _uncounted_in_kept(scope: Scope, cover: Coverage) -> Scope | None:
    """Return the activities ``scope`` leaves uncounted among its kept rows (None: none).

    Kept rows are each authority's whole sums; the rows of these activities, computed afresh
    (a handful), are taken off them, so that the scope counts them once.
    """
    if not scope.uncounted or not cover.kept:
        return None
    return Scope(
        scope.organisation,
        scope.today,
        authorities=cover.kept,
        country=scope.country,
        only=scope.uncounted,
    )
