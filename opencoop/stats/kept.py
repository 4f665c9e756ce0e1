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

One rule of visibility: the rows are computed by the same functions over the same
``public_activities`` as before, so a record the access policy hides is never in them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from opencoop.access import policy
from opencoop.activities.models import Activity
from opencoop.organisations.models import Organisation
from opencoop.plans.models import AnnualPlan

from . import figures
from .figure_models import FigureState, KeptFigure
from .figures import Scope

# What is kept, besides the allocation tables of ``figures.ALLOCATIONS``.
BY_YEAR = "by-year"
COUNTRY_YEAR = "country-year"
PLANS = "plans"
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
        FigureState.objects.bulk_create(
            [FigureState(authority_id=pk, refreshed_at=now, dirty=True) for pk in ids],
            ignore_conflicts=True,
        )
        # One refresh of an authority at a time: the rows are deleted and written again.
        list(FigureState.objects.select_for_update().filter(authority_id__in=ids).order_by("pk"))
        KeptFigure.objects.filter(authority_id__in=ids).delete()
        kept: list[KeptFigure] = []
        for pk in ids:
            kept += _rows_of(pk, today)
            if len(kept) >= BATCH:
                KeptFigure.objects.bulk_create(kept, batch_size=BATCH)
                kept = []
        KeptFigure.objects.bulk_create(kept, batch_size=BATCH)
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
    return len(ids)


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
    for plan_id, measure, cur, value in figures.plan_rows(scope, AnnualPlan.objects.all()):
        keep(PLANS, value, code=str(plan_id), measure=measure, currency=cur)
    return rows


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
    """How a scope's figures are read: kept rows of some authorities, the rest afresh."""

    kept: frozenset[int]
    rest: Scope | None  # the activities read afresh; None when every authority's rows are kept
    refreshed_at: datetime.datetime | None  # of the oldest kept figures used

    def kept_rows(self, table: str):
        return KeptFigure.objects.filter(table=table, authority_id__in=self.kept).order_by()


def coverage(scope: Scope) -> Coverage:
    """Return which of ``scope``'s authorities have figures kept and up to date."""
    today = timezone.localdate()
    cached = getattr(scope, "_coverage", None)
    if cached is not None:
        return cached
    if scope.today not in (None, today) or scope.only is not None:
        return Coverage(frozenset(), scope, None)
    wanted = scope.authority_ids
    states = FigureState.objects.filter(dirty=False).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=today)
    )
    if wanted is not None:
        states = states.filter(authority_id__in=wanted)
    fresh = dict(states.values_list("authority_id", "refreshed_at"))
    kept = frozenset(fresh)
    if wanted is not None:
        rest_ids = wanted - kept
        rest = Scope(authorities=rest_ids, today=scope.today) if rest_ids else None
    else:
        rest = Scope(today=scope.today, excluding=kept)
        others = _others_with_records(kept)
        if not others or not _has_public_records(Scope(today=scope.today, authorities=others)):
            rest = None
    cover = Coverage(kept, rest, min(fresh.values()) if fresh else None)
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
    rows = [
        (r["kind"], r["code"], r["n"], r["stated"], r["total"], r["percentage"])
        + (r["measure"] or None, r["currency"] or None, r["sum"])
        for r in cover.kept_rows(table)
        .values("kind", "code", "n", "stated", "total", "percentage", "measure", "currency")
        .annotate(sum=Sum("value"))
    ]
    if cover.rest is not None:
        rows += figures.allocation_rows(_narrowed(cover.rest, scope), table)
    taken_off = _uncounted_in_kept(scope, cover)
    if taken_off is not None:
        rows += [(*row[:-1], -row[-1]) for row in figures.allocation_rows(taken_off, table)]
    return rows


def year_rows(scope: Scope, cover: Coverage | None = None) -> list[figures.YearRow]:
    """Return ``figures.year_rows`` of ``scope``: kept rows added up, the rest afresh."""
    cover = cover or coverage(scope)
    rows = [
        (r["measure"], int(r["code"]), r["currency"], r["sum"])
        for r in cover.kept_rows(BY_YEAR)
        .values("measure", "code", "currency")
        .annotate(sum=Sum("value"))
    ]
    if cover.rest is not None:
        rows += figures.year_rows(_narrowed(cover.rest, scope))
    taken_off = _uncounted_in_kept(scope, cover)
    if taken_off is not None:
        rows += [(*row[:-1], -row[-1]) for row in figures.year_rows(taken_off)]
    return rows


def country_year_rows(scope: Scope, cover: Coverage | None = None) -> list[figures.YearRow]:
    """Return the money by year of ``scope.country``'s activities (``year_rows``'s shape)."""
    cover = cover or coverage(scope)
    country = scope.country
    rows = [
        (r["measure"], int(r["code"]), r["currency"], r["sum"])
        for r in cover.kept_rows(COUNTRY_YEAR)
        .filter(country=country)
        .values("measure", "code", "currency")
        .annotate(sum=Sum("value"))
    ]
    if cover.rest is not None:
        rows += [
            (measure, year, cur, total)
            for code, measure, year, cur, total in figures.country_year_rows(
                _narrowed(cover.rest, scope, country)
            )
            if code == country
        ]
    taken_off = _uncounted_in_kept(scope, cover)
    if taken_off is not None:
        rows += [
            (measure, year, cur, -total)
            for code, measure, year, cur, total in figures.country_year_rows(taken_off)
            if code == country
        ]
    return rows


def plan_rows(
    scope: Scope, plans: Iterable[int] | None = None, cover: Coverage | None = None
) -> list[figures.PlanRow]:
    """Return ``figures.plan_rows`` of ``scope`` for ``plans`` (ids; None: the scope's plans)."""
    cover = cover or coverage(scope)
    kept = cover.kept_rows(PLANS)
    if plans is not None:
        # Otherwise every plan's rows: the caller looks up the plans it lists.
        plans = list(plans)
        kept = kept.filter(code__in=[str(pk) for pk in plans])
    rows = [
        (int(r["code"]), r["measure"], r["currency"], r["sum"])
        for r in kept.values("code", "measure", "currency").annotate(sum=Sum("value"))
    ]
    in_scope = scope.plans() if plans is None else plans
    if cover.rest is not None:
        rows += figures.plan_rows(_narrowed(cover.rest, scope), in_scope)
    taken_off = _uncounted_in_kept(scope, cover)
    if taken_off is not None:
        # ``taken_off`` has no plans of its own (it is some activities): the scope's are named.
        rows += [
            (plan_id, measure, cur, -value)
            for plan_id, measure, cur, value in figures.plan_rows(taken_off, in_scope)
        ]
    return rows


def _narrowed(rest: Scope, scope: Scope, country: str = "") -> Scope:
    """Return the part of ``scope`` read afresh: ``rest``'s authorities, ``scope``'s country."""
    return Scope(
        scope.organisation,
        scope.today,
        authorities=rest.authorities,
        excluding=rest.excluding,
        country=country or scope.country,
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
