"""The IATI 2.03 rules the XML Schema cannot check, applied to one activity as it is published.

Each breach names the activity, the element (as a path below ``iati-activity``) and what is
wrong, so that an editor can find and fix it. Elements the schema requires but the activity
lacks (description, status, dates) are found by ``missing_mandatory``, the one place that says
whether an activity can be written as valid IATI at all: the files leave such activities out,
and the editors' publication check (through ``check_activity``) reports the same breaches.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

from opencoop.activities.disclosure import public_participants
from opencoop.activities.models import (
    COMMITMENT,
    QUALITATIVE_MEASURE,
    Activity,
    budget_amount_problem,
    result_value_number,
    transaction_amount_problem,
)
from opencoop.activities.parts import (
    ACTIVITY_CODES,
    ACTIVITY_DATES,
    DESCRIPTIONS,
    Part,
    activity_codelist,
    codelist_of,
    part,
)
from opencoop.activities.vocabularies import (
    DAC_REGIONS,
    REGION_CODELISTS,
    SECTOR_CODELISTS,
    TAG_CODELISTS,
)
from opencoop.codelists import registry
from opencoop.organisations.identifiers import identifier_problem

from .writer import (
    beneficiaries_period,
    decimal_text,
    has_text,
)

PARTICIPANTS, TRANSACTIONS = part("participating_orgs"), part("transactions")
HUNDRED = Decimal(100)
# A budget period may not be longer than a year (366 days allows a leap year).
MAX_BUDGET_DAYS = 366
# Each message whole, so that a translation can put the words in its own order.
END_BEFORE_START = {
    "planned_end": N_("the planned end (%(end)s) is before the planned start (%(start)s)"),
    "actual_end": N_("the actual end (%(end)s) is before the actual start (%(start)s)"),
}
# Percentages that must add up to 100: (one is missing, the total is wrong), by what they share.
PERCENTAGES = {
    "countries and regions": (
        N_(
            "each of the recipient countries and regions needs a percentage when there is more than one"
        ),
        N_("the percentages of the recipient countries and regions add up to %(total)s, not 100"),
    ),
    "regions": (
        N_(
            "each of the recipient regions of vocabulary %(vocabulary)s needs a percentage when "
            "there is more than one"
        ),
        N_(
            "the percentages of the recipient regions of vocabulary %(vocabulary)s add up to "
            "%(total)s, not 100"
        ),
    ),
    "sectors": (
        N_(
            "each of the sectors of vocabulary %(vocabulary)s needs a percentage when there is "
            "more than one"
        ),
        N_(
            "the percentages of the sectors of vocabulary %(vocabulary)s add up to %(total)s, not 100"
        ),
    ),
}
IN_THE_FUTURE = {
    "actual_start": N_("the actual start (%(date)s) is in the future"),
    "actual_end": N_("the actual end (%(date)s) is in the future"),
}
DATE_TYPES = dict(ACTIVITY_DATES)
ERROR = "error"
WARNING = "warning"


@dataclasses.dataclass(frozen=True)
class Breach:
    """One broken rule: which activity, which element, what is wrong.

    ``message`` is in English, for the files' logs and the command line; ``translated()`` says
    it in the active language, for the officer in the admin.
    """

    identifier: str
    path: str
    message: str
    level: str = ERROR
    template: str = dataclasses.field(default="", compare=False, repr=False)
    params: dict = dataclasses.field(default_factory=dict, compare=False, repr=False)

    def translated(self) -> str:
        """Return the message in the active language."""
        if not self.template:
            return self.message
        return gettext(self.template) % self.params

    def __str__(self) -> str:
        suffix = " (warning)" if self.level == WARNING else ""
        return f"{self.identifier}: {self.path}: {self.message}{suffix}"


class _Checker:
    """Collect the breaches of one activity."""

    def __init__(self, activity: Activity, today: datetime.date) -> None:
        self.activity = activity
        self.today = today
        self.breaches: list[Breach] = []

    def add(self, path: str, template: str, params: dict | None = None, level: str = ERROR) -> None:
        """Record a breach; ``template`` is an English message marked for translation."""
        params = params or {}
        self.breaches.append(
            Breach(
                self.activity.iati_identifier,
                path,
                template % params,
                level,
                template=template,
                params=params,
            )
        )

    def code(self, codelist: str, code: str, path: str) -> None:
        if code and not registry.get(codelist).is_valid(code):
            self.add(
                path,
                N_("“%(code)s” is not a code of the IATI %(codelist)s codelist"),
                {"code": code, "codelist": codelist},
            )

    def required_code(self, codelist: str, code: str, path: str, missing: str) -> None:
        if not code:
            self.add(path, missing)
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
        c.add("reporting-org/@ref", N_("the reporting organisation has no IATI identifier"))
    if not org.type:
        c.add("reporting-org/@type", N_("the reporting organisation's type is missing"))


def _required_texts(c: _Checker) -> None:
    if not has_text(c.activity.title):
        c.add("title", N_("the title is missing"))
    if not any(has_text(getattr(c.activity, field)) for field, _ in DESCRIPTIONS):
        c.add("description", N_("a description is required (general, objectives or target groups)"))


def _required_participants(c: _Checker) -> None:
    if not public_participants(c.activity):
        c.add("participating-org", N_("at least one participating organisation is required"))


def _required_status_and_dates(c: _Checker) -> None:
    if not c.activity.status:
        c.add("activity-status", N_("the activity status is missing"))
    if not any(getattr(c.activity, field) for field, _ in ACTIVITY_DATES):
        c.add("activity-date", N_("at least one date (planned or actual start) is required"))


def _required_result_titles(c: _Checker) -> None:
    for position, result in enumerate(c.activity.results.all(), start=1):
        if not has_text(result.title):
            c.add(f"result[{position}]/title", N_("the result's title is missing"))
        indicators = list(result.indicators.all())
        if not indicators:
            c.add(f"result[{position}]/indicator", N_("the result has no indicator"))
        for number, indicator in enumerate(indicators, start=1):
            if not has_text(indicator.title):
                c.add(
                    f"result[{position}]/indicator[{number}]/title",
                    N_("the indicator's title is missing"),
                )


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
    for path, value in (
        ("iati-identifier", c.activity.iati_identifier),
        ("reporting-org/@ref", org.identifier),
        *(
            (f"participating-org[{position}]/@ref", participant.identifier)
            for position, participant in enumerate(public_participants(c.activity), start=1)
        ),
    ):
        problem = identifier_problem(value)
        if problem:
            c.add(path, *problem)
    if org.identifier and not c.activity.iati_identifier.startswith(org.identifier + "-"):
        c.add(
            "iati-identifier",
            N_(
                "“%(identifier)s” does not start with the reporting organisation's "
                "identifier followed by a hyphen (“%(prefix)s-”)"
            ),
            {"identifier": c.activity.iati_identifier, "prefix": org.identifier},
        )
    c.code(activity_codelist("reporting-org/@type"), org.type, "reporting-org/@type")
    c.required_code(
        activity_codelist("@default-currency"),
        c.activity.default_currency,
        "@default-currency",
        N_("currency is missing"),
    )


def _texts(c: _Checker) -> None:
    for field, code in [("title", None), *DESCRIPTIONS]:
        path = "title" if code is None else f"description[@type='{code}']"
        for lang in getattr(c.activity, field) or {}:
            c.code("Language", lang, f"{path}/narrative[@xml:lang='{lang}']")


def _participants(c: _Checker) -> None:
    for participant in public_participants(c.activity):
        path = f"participating-org[@role='{participant.role}']"
        c.required_code(
            PARTICIPANTS.codelist("@role"), participant.role, path, N_("the role is missing")
        )
        c.code(PARTICIPANTS.codelist("@type"), participant.organisation_type, f"{path}/@type")


def _status_and_dates(c: _Checker) -> None:
    activity = c.activity
    c.code(codelist_of("activity-status"), activity.status, "activity-status")
    has_date = any(getattr(activity, field) for field, _ in ACTIVITY_DATES)
    if has_date and not (activity.planned_start or activity.actual_start):
        c.add("activity-date", N_("a planned or actual start date is required"))
    for start, end in (("planned_start", "planned_end"), ("actual_start", "actual_end")):
        first, last = getattr(activity, start), getattr(activity, end)
        if first and last and last < first:
            c.add(
                f"activity-date[@type='{DATE_TYPES[end]}']",
                END_BEFORE_START[end],
                {"end": last, "start": first},
            )
    for field in ("actual_start", "actual_end"):
        value = getattr(activity, field)
        if value and value > c.today:
            c.add(
                f"activity-date[@type='{DATE_TYPES[field]}']",
                IN_THE_FUTURE[field],
                {"date": value},
            )


def _percentages(c: _Checker, path: str, items: list, what: str, vocabulary: str = "") -> None:
    """Check that ``items`` carry percentages adding up to 100 when more than one or any is set.

    ``what`` is a key of ``PERCENTAGES``.
    """
    if not items:
        return
    given = [item.percentage for item in items if item.percentage is not None]
    if len(items) == 1 and not given:
        return
    one_missing, wrong_total = PERCENTAGES[what]
    if len(given) < len(items):
        c.add(path, one_missing, {"vocabulary": vocabulary})
        return
    total = sum(given, Decimal(0))
    if total != HUNDRED:
        c.add(path, wrong_total, {"vocabulary": vocabulary, "total": decimal_text(total)})


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
    _percentages(c, path, countries + dac_regions, "countries and regions")
    for vocabulary, group in by_vocabulary.items():
        path = f"recipient-region[@vocabulary='{vocabulary}']"
        _percentages(c, path, group, "regions", vocabulary)
    for country in countries:
        c.code(
            codelist_of("recipient-country"),
            country.code,
            f"recipient-country[@code='{country.code}']",
        )
    for region in regions:
        path = f"recipient-region[@code='{region.code}']"
        c.code(
            codelist_of("recipient-region", "vocabulary"), region.vocabulary, f"{path}/@vocabulary"
        )
        if region.vocabulary in REGION_CODELISTS:
            c.code(REGION_CODELISTS[region.vocabulary], region.code, path)
    for position, location in enumerate(c.activity.locations.all(), start=1):
        path = f"location[{position}]"
        _codes(c, part("locations"), location, path)
        if (location.latitude is None) != (location.longitude is None):
            c.add(f"{path}/point", N_("a point needs both latitude and longitude"))


def _sectors(c: _Checker) -> None:
    by_vocabulary: dict[str, list] = defaultdict(list)
    for sector in c.activity.sectors.all():
        by_vocabulary[sector.vocabulary].append(sector)
    for vocabulary, sectors in by_vocabulary.items():
        path = f"sector[@vocabulary='{vocabulary}']"
        c.code(codelist_of("sector", "vocabulary"), vocabulary, f"{path}/@vocabulary")
        _percentages(c, path, sectors, "sectors", vocabulary)
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
            c.add(
                path,
                N_("“%(vocabulary)s” is not an SDG tag vocabulary (2 or 3)"),
                {"vocabulary": tag.vocabulary},
            )
        else:
            c.code(TAG_CODELISTS[tag.vocabulary], tag.code, path)
    for marker in activity.policy_markers.all():
        path = f"policy-marker[@code='{marker.code}']"
        c.code(codelist_of("policy-marker"), marker.code, path)
        c.required_code(
            codelist_of("policy-marker", "significance"),
            marker.significance,
            f"{path}/@significance",
            N_("the significance is missing"),
        )
    for tag, field, codelist in ACTIVITY_CODES:
        c.code(codelist, getattr(activity, field), tag)


def _codes(c: _Checker, described: Part, row, path: str, but: tuple[str, ...] = ()) -> None:
    """Check each code of ``row`` the part's description points at, in its order."""
    for below, field, codelist in described.codes():
        if below not in but:
            c.code(codelist, getattr(row, field), f"{path}/{below}")


def _budgets(c: _Checker) -> None:
    for position, budget in enumerate(c.activity.budgets.all(), start=1):
        path = f"budget[{position}]"
        _codes(c, part("budgets"), budget, path)
        if budget.period_end < budget.period_start:
            c.add(
                f"{path}/period-end",
                N_("the period ends (%(end)s) before it starts (%(start)s)"),
                {"end": budget.period_end, "start": budget.period_start},
            )
        elif (budget.period_end - budget.period_start).days > MAX_BUDGET_DAYS:
            # IATI: a budget period "should not be longer than one year" — a warning.
            c.add(
                f"{path}/period-end",
                N_("the period %(start)s – %(end)s is longer than a year"),
                {"start": budget.period_start, "end": budget.period_end},
                level=WARNING,
            )
        problem = budget_amount_problem(budget.value)
        if problem:
            c.add(f"{path}/value", problem)


def _transactions(c: _Checker) -> None:
    start, end = c.activity.start_date, c.activity.end_date
    for position, transaction in enumerate(c.activity.transactions.all(), start=1):
        path = f"transaction[{position}]"
        c.required_code(
            TRANSACTIONS.codelist("transaction-type"),
            transaction.type,
            f"{path}/transaction-type",
            N_("the type is missing"),
        )
        _codes(c, TRANSACTIONS, transaction, path, but=("transaction-type",))
        problem = transaction_amount_problem(
            transaction.type, transaction.value, transaction.description
        )
        if problem:
            c.add(f"{path}/value", problem)
        when = transaction.date
        # An agreement is usually signed (committed) before the work starts.
        too_early = start and when < start and transaction.type != COMMITMENT
        if start and end and (too_early or when > end):
            c.add(
                f"{path}/transaction-date",
                N_("%(date)s is outside the activity's dates (%(start)s – %(end)s)"),
                {"date": when, "start": start, "end": end},
            )
        if when > c.today:
            c.add(f"{path}/transaction-date", N_("%(date)s is in the future"), {"date": when})


def _documents(c: _Checker) -> None:
    for position, document in enumerate(c.activity.documents.all(), start=1):
        path = f"document-link[{position}]"
        _codes(c, part("documents"), document, path)
        if not document.href:
            c.add(
                path,
                N_(
                    "the document has neither a file nor an address, so it is left out of the "
                    "IATI file"
                ),
                level=WARNING,
            )


def _results(c: _Checker) -> None:
    results = part("results")
    (indicators,) = results.nested
    for position, result in enumerate(c.activity.results.all(), start=1):
        path = f"result[{position}]"
        _codes(c, results, result, path)
        for number, indicator in enumerate(result.indicators.all(), start=1):
            ipath = f"{path}/indicator[{number}]"
            _codes(c, indicators, indicator, ipath)
            if indicator.baseline_value and not indicator.baseline_year:
                c.add(f"{ipath}/baseline", N_("a baseline value needs its year"))
            words = [("baseline", indicator.baseline_value)]
            for order, period in enumerate(indicator.periods.all(), start=1):
                ppath = f"{ipath}/period[{order}]"
                if not (period.period_start and period.period_end):
                    c.add(
                        ppath,
                        N_("a period needs its start and end to be published"),
                    )
                elif period.period_end < period.period_start:
                    c.add(ppath, N_("the period ends before it starts"))
                words += [(f"period[{order}]/target", period.target_value)]
                words += [(f"period[{order}]/actual", period.actual_value)]
            if indicator.measure != QUALITATIVE_MEASURE:
                for below, value in words:
                    if value and result_value_number(value) is None:
                        c.add(
                            f"{ipath}/{below}/@value",
                            N_(
                                "“%(value)s” is not a number: only a qualitative indicator's "
                                "values may be words"
                            ),
                            {"value": value},
                            level=WARNING,
                        )
    for position, row in enumerate(c.activity.beneficiaries.all(), start=1):
        if beneficiaries_period(row, c.activity) is None:
            c.add(
                f"result[last()]/indicator[{position}]/period",
                N_("beneficiaries need a year (or the activity's start and end) to be published"),
            )
