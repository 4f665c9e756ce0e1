"""The IATI 2.03 rules the XML Schema cannot check, applied to one activity as it is published.

Each breach names the activity, the element (as a path below ``iati-activity``) and what is
wrong, so that an editor can find and fix it. Elements the schema requires but the activity
lacks (description, status, dates) are found by ``missing_mandatory``, the one place that says
whether an activity can be written as valid IATI at all: the files leave such activities out,
and the editors' publication check (through ``check_activity``) reports the same breaches.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from opencoop.activities.disclosure import public_participants
from opencoop.activities.models import Activity
from opencoop.codelists import registry

from .mapping import (
    ACTIVITY_CODES,
    ACTIVITY_DATES,
    DAC_REGIONS,
    DESCRIPTIONS,
    REGION_CODELISTS,
    SECTOR_CODELISTS,
    TAG_CODELISTS,
    beneficiaries_period,
    decimal_text,
    has_text,
)

HUNDRED = Decimal(100)
# A budget period may not be longer than a year (366 days allows a leap year).
MAX_BUDGET_DAYS = 366
DATE_LABELS = {
    "planned_start": "planned start",
    "actual_start": "actual start",
    "planned_end": "planned end",
    "actual_end": "actual end",
}
DATE_TYPES = dict(ACTIVITY_DATES)
ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Breach:
    """One broken rule: which activity, which element, what is wrong."""

    identifier: str
    path: str
    message: str
    level: str = ERROR

    def __str__(self) -> str:
        suffix = " (warning)" if self.level == WARNING else ""
        return f"{self.identifier}: {self.path}: {self.message}{suffix}"


class _Checker:
    """Collect the breaches of one activity."""

    def __init__(self, activity: Activity, today: datetime.date) -> None:
        self.activity = activity
        self.today = today
        self.breaches: list[Breach] = []

    def add(self, path: str, message: str, level: str = ERROR) -> None:
        self.breaches.append(Breach(self.activity.iati_identifier, path, message, level))

    def code(self, codelist: str, code: str, path: str) -> None:
        if code and not registry.get(codelist).is_valid(code):
            self.add(path, f"“{code}” is not a code of the IATI {codelist} codelist")

    def required_code(self, codelist: str, code: str, path: str, what: str) -> None:
        if not code:
            self.add(path, f"{what} is missing")
        else:
            self.code(codelist, code, path)


def missing_mandatory(activity: Activity) -> list[Breach]:
    """Return the elements the 2.03 schema requires that ``activity`` cannot fill.

    An activity with any of these breaches cannot be written as schema-valid IATI: the files
    leave it out rather than invent the missing facts.
    """
    checker = _Checker(activity, timezone.localdate())
    for check in _MANDATORY:
        check(checker)
    return checker.breaches


def check_activity(activity: Activity, today: datetime.date | None = None) -> list[Breach]:
    """Return the breaches of the IATI rules in ``activity`` as it would be published."""
    checker = _Checker(activity, today or timezone.localdate())
    for check in (
        _required_reporting_org,
        _identification,
        _required_texts,
        _texts,
        _required_participants,
        _participants,
        _required_status_and_dates,
        _status_and_dates,
        _geography,
        _sectors,
        _classifications,
        _budgets,
        _transactions,
        _documents,
        _required_result_titles,
        _results,
    ):
        check(checker)
    return checker.breaches


# What the schema requires ------------------------------------------------------------------------
def _required_reporting_org(c: _Checker) -> None:
    org = c.activity.reporting_org
    if not org.identifier:
        c.add("reporting-org/@ref", "the reporting organisation has no IATI identifier")
    if not org.type:
        c.add("reporting-org/@type", "the reporting organisation's type is missing")


def _required_texts(c: _Checker) -> None:
    if not has_text(c.activity.title):
        c.add("title", "the title is missing")
    if not any(has_text(getattr(c.activity, field)) for field, _ in DESCRIPTIONS):
        c.add("description", "a description is required (general, objectives or target groups)")


def _required_participants(c: _Checker) -> None:
    if not public_participants(c.activity):
        c.add("participating-org", "at least one participating organisation is required")


def _required_status_and_dates(c: _Checker) -> None:
    if not c.activity.status:
        c.add("activity-status", "the activity status is missing")
    if not any(getattr(c.activity, field) for field, _ in ACTIVITY_DATES):
        c.add("activity-date", "at least one date (planned or actual start) is required")


def _required_result_titles(c: _Checker) -> None:
    for position, result in enumerate(c.activity.results.all(), start=1):
        if not has_text(result.title):
            c.add(f"result[{position}]/title", "the result's title is missing")
        if not has_text(result.indicator):
            c.add(f"result[{position}]/indicator/title", "the indicator's title is missing")


_MANDATORY = (
    _required_reporting_org,
    _required_texts,
    _required_participants,
    _required_status_and_dates,
    _required_result_titles,
)


# The rules beyond the schema ---------------------------------------------------------------------
def _identification(c: _Checker) -> None:
    org = c.activity.reporting_org
    if org.identifier and not c.activity.iati_identifier.startswith(org.identifier + "-"):
        c.add(
            "iati-identifier",
            f"“{c.activity.iati_identifier}” does not start with the reporting organisation's "
            f"identifier followed by a hyphen (“{org.identifier}-”)",
        )
    c.code("OrganisationType", org.type, "reporting-org/@type")
    c.required_code("Currency", c.activity.default_currency, "@default-currency", "currency")


def _texts(c: _Checker) -> None:
    for field, code in [("title", None), *DESCRIPTIONS]:
        path = "title" if code is None else f"description[@type='{code}']"
        for lang in getattr(c.activity, field) or {}:
            c.code("Language", lang, f"{path}/narrative[@xml:lang='{lang}']")


def _participants(c: _Checker) -> None:
    for participant in public_participants(c.activity):
        path = f"participating-org[@role='{participant.role}']"
        c.required_code("OrganisationRole", participant.role, path, "the role")
        c.code("OrganisationType", participant.organisation_type, f"{path}/@type")


def _status_and_dates(c: _Checker) -> None:
    activity = c.activity
    c.code("ActivityStatus", activity.status, "activity-status")
    has_date = any(getattr(activity, field) for field, _ in ACTIVITY_DATES)
    if has_date and not (activity.planned_start or activity.actual_start):
        c.add("activity-date", "a planned or actual start date is required")
    for start, end in (("planned_start", "planned_end"), ("actual_start", "actual_end")):
        first, last = getattr(activity, start), getattr(activity, end)
        if first and last and last < first:
            c.add(
                f"activity-date[@type='{DATE_TYPES[end]}']",
                f"the {DATE_LABELS[end]} ({last}) is before the {DATE_LABELS[start]} ({first})",
            )
    for field in ("actual_start", "actual_end"):
        value = getattr(activity, field)
        if value and value > c.today:
            c.add(
                f"activity-date[@type='{DATE_TYPES[field]}']",
                f"the {DATE_LABELS[field]} ({value}) is in the future",
            )


def _percentages(c: _Checker, path: str, items: list, what: str) -> None:
    """Check that ``items`` carry percentages adding up to 100 when more than one or any is set."""
    if not items:
        return
    given = [item.percentage for item in items if item.percentage is not None]
    if len(items) == 1 and not given:
        return
    if len(given) < len(items):
        c.add(path, f"each of the {what} needs a percentage when there is more than one")
        return
    total = sum(given, Decimal(0))
    if total != HUNDRED:
        c.add(path, f"the percentages of the {what} add up to {decimal_text(total)}, not 100")


def _geography(c: _Checker) -> None:
    """Check countries with OECD DAC regions (vocabulary 1) together, other region vocabularies
    each on their own, as the IATI validator groups them."""
    countries = list(c.activity.recipient_countries.all())
    regions = list(c.activity.recipient_regions.all())
    by_vocabulary: dict[str, list] = defaultdict(list)
    for region in regions:
        by_vocabulary[region.vocabulary or DAC_REGIONS].append(region)
    dac_regions = by_vocabulary.pop(DAC_REGIONS, [])
    path = "recipient-country" if countries else "recipient-region[@vocabulary='1']"
    _percentages(c, path, countries + dac_regions, "recipient countries and regions")
    for vocabulary, group in by_vocabulary.items():
        path = f"recipient-region[@vocabulary='{vocabulary}']"
        _percentages(c, path, group, f"recipient regions of vocabulary {vocabulary}")
    for country in countries:
        c.code("Country", country.code, f"recipient-country[@code='{country.code}']")
    for region in regions:
        path = f"recipient-region[@code='{region.code}']"
        c.code("RegionVocabulary", region.vocabulary, f"{path}/@vocabulary")
        if region.vocabulary in REGION_CODELISTS:
            c.code(REGION_CODELISTS[region.vocabulary], region.code, path)
    for position, location in enumerate(c.activity.locations.all(), start=1):
        path = f"location[{position}]"
        c.code("Country", location.country, f"{path}/administrative")
        c.code("GeographicExactness", location.exactness, f"{path}/exactness")
        c.code("GeographicLocationReach", location.reach, f"{path}/location-reach")
        if (location.latitude is None) != (location.longitude is None):
            c.add(f"{path}/point", "a point needs both latitude and longitude")


def _sectors(c: _Checker) -> None:
    by_vocabulary: dict[str, list] = defaultdict(list)
    for sector in c.activity.sectors.all():
        by_vocabulary[sector.vocabulary].append(sector)
    for vocabulary, sectors in by_vocabulary.items():
        path = f"sector[@vocabulary='{vocabulary}']"
        c.code("SectorVocabulary", vocabulary, f"{path}/@vocabulary")
        _percentages(c, path, sectors, f"sectors of vocabulary {vocabulary}")
        if vocabulary in SECTOR_CODELISTS:
            for sector in sectors:
                c.code(
                    SECTOR_CODELISTS[vocabulary],
                    sector.code,
                    f"sector[@vocabulary='{vocabulary}'][@code='{sector.code}']",
                )


def _classifications(c: _Checker) -> None:
    activity = c.activity
    for tag in activity.sdg_tags.all():
        path = f"tag[@vocabulary='{tag.vocabulary}'][@code='{tag.code}']"
        if tag.vocabulary not in TAG_CODELISTS:
            c.add(path, f"“{tag.vocabulary}” is not an SDG tag vocabulary (2 or 3)")
        else:
            c.code(TAG_CODELISTS[tag.vocabulary], tag.code, path)
    for marker in activity.policy_markers.all():
        path = f"policy-marker[@code='{marker.code}']"
        c.code("PolicyMarker", marker.code, path)
        c.required_code(
            "PolicySignificance", marker.significance, f"{path}/@significance", "the significance"
        )
    for tag, field, codelist in ACTIVITY_CODES:
        c.code(codelist, getattr(activity, field), tag)


def _budgets(c: _Checker) -> None:
    for position, budget in enumerate(c.activity.budgets.all(), start=1):
        path = f"budget[{position}]"
        c.code("BudgetType", budget.type, f"{path}/@type")
        c.code("BudgetStatus", budget.status, f"{path}/@status")
        c.code("Currency", budget.currency, f"{path}/value/@currency")
        if budget.period_end < budget.period_start:
            c.add(
                f"{path}/period-end",
                f"the period ends ({budget.period_end}) before it starts ({budget.period_start})",
            )
        elif (budget.period_end - budget.period_start).days > MAX_BUDGET_DAYS:
            c.add(
                f"{path}/period-end",
                f"the period {budget.period_start} – {budget.period_end} is longer than a year",
            )


def _transactions(c: _Checker) -> None:
    start, end = c.activity.start_date, c.activity.end_date
    for position, transaction in enumerate(c.activity.transactions.all(), start=1):
        path = f"transaction[{position}]"
        c.required_code("TransactionType", transaction.type, f"{path}/transaction-type", "the type")
        c.code("Currency", transaction.currency, f"{path}/value/@currency")
        when = transaction.date
        if start and end and not (start <= when <= end):
            c.add(
                f"{path}/transaction-date",
                f"{when} is outside the activity's dates ({start} – {end})",
            )
        if when > c.today:
            c.add(f"{path}/transaction-date", f"{when} is in the future")


def _documents(c: _Checker) -> None:
    for position, document in enumerate(c.activity.documents.all(), start=1):
        path = f"document-link[{position}]"
        c.code("DocumentCategory", document.category, f"{path}/category")
        c.code("Language", document.language, f"{path}/language")
        if not document.href:
            c.add(
                path,
                "the document has neither a file nor an address, so it is left out of the "
                "IATI file",
                WARNING,
            )


def _results(c: _Checker) -> None:
    for position, result in enumerate(c.activity.results.all(), start=1):
        path = f"result[{position}]"
        c.code("ResultType", result.type, f"{path}/@type")
        c.code("IndicatorMeasure", result.measure, f"{path}/indicator/@measure")
        if result.baseline_value is not None and not result.baseline_year:
            c.add(f"{path}/indicator/baseline", "a baseline value needs its year")
        has_values = result.target_value is not None or result.actual_value is not None
        if has_values and not (result.period_start and result.period_end):
            c.add(
                f"{path}/indicator/period",
                "target and actual values need a period start and end to be published",
            )
        if result.period_start and result.period_end and result.period_end < result.period_start:
            c.add(f"{path}/indicator/period", "the period ends before it starts")
    for position, row in enumerate(c.activity.beneficiaries.all(), start=1):
        if beneficiaries_period(row, c.activity) is None:
            c.add(
                f"result[last()]/indicator[{position}]/period",
                "beneficiaries need a year (or the activity's start and end) to be published",
            )
