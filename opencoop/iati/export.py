"""Stream IATI 2.03 files: the activities of a reporting organisation and its organisation file.

The generators write with ``lxml.etree.xmlfile`` one activity at a time and read the activities
in chunks (children prefetched per chunk), so memory stays flat however many activities there are.
An activity lacking an element the schema requires (``rules.missing_mandatory``) is left out of
the activity files and handed to a ``left_out`` callback, so that commands can list it.
"""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Max, Prefetch, QuerySet
from django.utils import timezone
from lxml import etree
from wagtail.models import Site

from opencoop.access import policy
from opencoop.activities import parts
from opencoop.activities.disclosure import is_public, public_activities
from opencoop.activities.models import Activity, ParticipatingOrg
from opencoop.core.queries import among_ids
from opencoop.organisations.models import Organisation
from opencoop.plans.models import AnnualPlan, PlanDocument

from .rules import Breach, missing_mandatory
from .writer import (
    IATI_VERSION,
    YearBudget,
    activity_element,
    iso_datetime,
    organisation_root_element,
)

CHUNK_SIZE = 500
CENT = Decimal("0.01")
# BudgetType: a revised budget replaces the original one of the same period.
REVISED_BUDGET = "2"

LeftOut = Callable[[Activity, list[Breach]], None]


class NothingToPublish(Exception):
    """No activity of a selection has every element IATI 2.03 requires: there is no valid file."""


# Selections --------------------------------------------------------------------------------------
def reporting_org_activities(organisation: Organisation) -> QuerySet[Activity]:
    """Return the public activities of ``organisation`` (what its IATI file lists)."""
    return public_activities().for_reporting_org(organisation)


def activities_for_export(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """Keep the public ones of ``activities``, with everything the mapping reads fetched in bulk."""
    return export_selection(activities).prefetch_related(
        *(Prefetch(relation, queryset=queryset) for relation, queryset in PARTS.items())
    )


def export_selection(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """Keep the public ones of ``activities`` in file order, with what each row refers to."""
    public = public_activities().values("pk")
    return (
        activities.filter(pk__in=public)
        .select_related("reporting_org", "parent", "latest_revision")
        .defer("latest_revision__content")  # only its date is read
        .order_by("iati_identifier")
    )


# The parts of an activity its ``iati-activity`` element shows, each with what its rows refer to,
# and the public children its related-activity elements name.
PARTS: dict[str, QuerySet] = {
    **{p.relation: p.queryset() for p in parts.PARTS},
    "children": Activity.objects.only(
        "pk",
        "parent_id",
        "iati_identifier",
        "slug",
        "reporting_org_id",
        *policy.PUBLIC_STATE_FIELDS,
    ).order_by("iati_identifier"),
}


class _Rows(list):
    """The rows of one relation of one activity, answering ``.all()`` as a prefetched one does."""

    def all(self) -> _Rows:
        return self


def fetch_parts(activities: list[Activity]) -> None:
    """Fetch the parts of ``activities``, one query per kind of part, into each activity.

    What ``prefetch_related`` does, without the query set it builds for every relation of every
    activity: at 100,000 activities that bookkeeping took longer than the queries. The chunk's
    keys go as one array parameter (``among_ids``), not as ``IN (…)``, where Django resolves and
    the driver quotes each key again for every kind of part.
    """
    by_pk = {activity.pk: activity for activity in activities}
    for activity in activities:
        activity.__dict__.setdefault("_prefetched_objects_cache", {})
    for relation, queryset in PARTS.items():
        foreign_key = Activity._meta.get_field(relation).field
        groups: dict[int, _Rows] = defaultdict(_Rows)
        for row in queryset.filter(among_ids(foreign_key.attname, list(by_pk))):
            owner = by_pk[getattr(row, foreign_key.attname)]
            foreign_key.set_cached_value(row, owner)
            groups[owner.pk].append(row)
        cache_name = foreign_key.remote_field.cache_name
        for activity in activities:
            activity._prefetched_objects_cache[cache_name] = groups.get(activity.pk, _Rows())


def iter_with_parts(activities: QuerySet[Activity]) -> Iterator[Activity]:
    """Yield the public ``activities`` in file order, their parts fetched a chunk at a time."""
    chunk: list[Activity] = []
    for activity in export_selection(activities).iterator(chunk_size=CHUNK_SIZE):
        chunk.append(activity)
        if len(chunk) == CHUNK_SIZE:
            fetch_parts(chunk)
            yield from chunk
            chunk = []
    fetch_parts(chunk)
    yield from chunk


def site_base_url() -> str:
    """Return the portal's address, for absolute document URLs outside a request."""
    site = Site.objects.filter(is_default_site=True).first()
    return site.root_url if site is not None else settings.WAGTAILADMIN_BASE_URL


# Streaming ---------------------------------------------------------------------------------------
class _Sink:
    """Collect what lxml writes, so that a generator can hand it on piece by piece."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self._parts.append(data)

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def stream_document(
    root_tag: str, attributes: dict[str, str], elements: Iterator[etree._Element]
) -> Iterator[bytes]:
    """Yield an XML document: the declaration and root start, then one piece per element."""
    sink = _Sink()
    with etree.xmlfile(sink, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(root_tag, attributes):
            xf.write("\n")
            xf.flush()
            yield sink.take()
            for element in elements:
                xf.write(element, pretty_print=True)
                xf.flush()
                yield sink.take()
    tail = sink.take()
    if tail:
        yield tail + b"\n"


def iter_activity_elements(
    activities: QuerySet[Activity],
    *,
    base_url: str | None = None,
    left_out: LeftOut | None = None,
) -> Iterator[tuple[Activity, etree._Element]]:
    """Yield each public activity of ``activities`` with its ``iati-activity`` element.

    An activity lacking an element the schema requires is not yielded: it goes, with what it
    lacks, to ``left_out``.
    """
    base_url = site_base_url() if base_url is None else base_url
    for activity in iter_with_parts(activities):
        missing = missing_mandatory(activity)
        if missing:
            if left_out is not None:
                left_out(activity, missing)
            continue
        yield activity, activity_element(activity, base_url=base_url)


def iter_activities_xml(
    activities: QuerySet[Activity],
    *,
    base_url: str | None = None,
    left_out: LeftOut | None = None,
) -> Iterator[bytes]:
    """Return the pieces of an ``iati-activities`` 2.03 document of the public ``activities``.

    The first activity is built at once, so that ``NothingToPublish`` is raised before anything
    is written when none has every element the schema requires (the schema wants at least one).
    """
    attributes = {"version": IATI_VERSION, "generated-datetime": iso_datetime(timezone.now())}
    elements = (
        element
        for _, element in iter_activity_elements(activities, base_url=base_url, left_out=left_out)
    )
    first = next(elements, None)
    if first is None:
        raise NothingToPublish(
            "No public activity of the selection has every element IATI 2.03 requires."
        )
    return stream_document("iati-activities", attributes, itertools.chain([first], elements))


def left_out_message(activity: Activity, missing: list[Breach]) -> str:
    """Say on one line which activity is left out of the files and what it lacks."""
    what = "; ".join(f"{breach.path}: {breach.message}" for breach in missing)
    return f"{activity.iati_identifier}: left out of the IATI file, it lacks: {what}"


def iati_file_available(activity: Activity) -> bool:
    """Say whether ``activity`` has an IATI file: public and with every required element."""
    return is_public(activity) and not missing_mandatory(activity)


def activities_file_available(organisation: Organisation) -> bool:
    """Say whether the IATI activity file of ``organisation`` holds at least one activity."""
    selection = (
        reporting_org_activities(organisation)
        .select_related("reporting_org")
        .prefetch_related(
            Prefetch(
                "participating_orgs",
                queryset=ParticipatingOrg.objects.select_related("organisation"),
            ),
            "results__indicators",
        )
    )
    return any(
        not missing_mandatory(activity) for activity in selection.iterator(chunk_size=CHUNK_SIZE)
    )


def activity_document(element: etree._Element) -> bytes:
    """Return one ``iati-activity`` element wrapped in an ``iati-activities`` document."""
    root = etree.Element("iati-activities", version=IATI_VERSION)
    root.append(element)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


# Organisation file -------------------------------------------------------------------------------
def plan_total_budgets(organisation: Organisation) -> list[YearBudget]:
    """Return the planned total of each published annual plan that states one, by year."""
    plans = (
        policy.public(AnnualPlan)
        .filter(reporting_org=organisation, planned_total__isnull=False)
        .order_by("year")
    )
    return [YearBudget(plan.year, plan.planned_total, plan.currency) for plan in plans]


def current_budgets(activity: Activity) -> list:
    """Return the activity's budgets, a revised one replacing the original of the same period."""
    by_period: dict[tuple, list] = defaultdict(list)
    for budget in activity.budgets.all():
        by_period[(budget.period_start, budget.period_end)].append(budget)
    chosen = []
    for budgets in by_period.values():
        revised = [b for b in budgets if b.type == REVISED_BUDGET]
        chosen.extend(revised or budgets)
    return chosen


def country_shares(activity: Activity) -> dict[str, Decimal]:
    """Return each recipient country's share of the activity (1 = all of it).

    A single country without a percentage (and no OECD DAC region) takes everything; otherwise
    every country needs a percentage, and an activity where one is missing is left out.
    """
    countries = list(activity.recipient_countries.all())
    dac_regions = [
        r for r in activity.recipient_regions.all() if r.vocabulary in ("", parts.DAC_REGIONS)
    ]
    if len(countries) == 1 and not dac_regions and countries[0].percentage is None:
        return {countries[0].code: Decimal(1)}
    if any(country.percentage is None for country in countries):
        return {}
    shares: dict[str, Decimal] = defaultdict(Decimal)
    for country in countries:
        shares[country.code] += country.percentage / 100
    return dict(shares)


def recipient_country_budgets(activities: QuerySet[Activity]) -> list[YearBudget]:
    """Add up the activities' budgets by recipient country, calendar year (of the period start)
    and currency, splitting an activity among its countries by percentage."""
    totals: dict[tuple[str, int, str], Decimal] = defaultdict(Decimal)
    selection = (
        activities.filter(pk__in=public_activities().values("pk"))
        .only("pk", "default_currency")
        .prefetch_related("budgets", "recipient_countries", "recipient_regions")
        .order_by("pk")
    )
    for activity in selection.iterator(chunk_size=CHUNK_SIZE):
        shares = country_shares(activity)
        for budget in current_budgets(activity):
            currency = budget.currency or activity.default_currency
            for code, share in shares.items():
                totals[(code, budget.period_start.year, currency)] += budget.value * share
    return [
        YearBudget(year, value.quantize(CENT, rounding=ROUND_HALF_UP), currency, country=code)
        for (code, year, currency), value in sorted(totals.items())
    ]


def organisation_documents(organisation: Organisation) -> list[PlanDocument]:
    """Return the documents of the published annual plans, newest plan first."""
    return list(
        PlanDocument.objects.filter(
            plan__in=policy.public(AnnualPlan).filter(reporting_org=organisation)
        )
        .select_related("document", "plan")
        .order_by("-plan__year", "sort_order", "pk")
    )


def organisation_last_updated(organisation: Organisation) -> datetime.datetime:
    """Return the latest publication among the organisation's plans and public activities."""
    dates = [
        policy.public(AnnualPlan)
        .filter(reporting_org=organisation)
        .aggregate(latest=Max("last_published_at"))["latest"],
        reporting_org_activities(organisation).aggregate(latest=Max("last_published_at"))["latest"],
    ]
    dates = [date for date in dates if date is not None]
    return max(dates) if dates else timezone.now()


def iter_organisation_xml(
    organisation: Organisation, *, base_url: str | None = None
) -> Iterator[bytes]:
    """Yield the ``iati-organisations`` 2.03 document of a reporting organisation."""
    base_url = site_base_url() if base_url is None else base_url
    attributes = {"version": IATI_VERSION, "generated-datetime": iso_datetime(timezone.now())}

    def elements() -> Iterator[etree._Element]:
        yield organisation_root_element(
            organisation,
            total_budgets=plan_total_budgets(organisation),
            country_budgets=recipient_country_budgets(reporting_org_activities(organisation)),
            documents=organisation_documents(organisation),
            last_updated_at=organisation_last_updated(organisation),
            base_url=base_url,
        )

    return stream_document("iati-organisations", attributes, elements())
