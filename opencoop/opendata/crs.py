"""The year's activities in the layout of the OECD DAC Creditor Reporting System (CRS).

National agencies collect these fields from local governments each year. The table is read from
the same records as the IATI files, through ``opencoop.activities.disclosure``: only public
activities, and partners shown without their name are never named.

One row per activity, recipient and currency with a commitment or a disbursement dated in the
year. An activity's amounts are split among its recipient countries and OECD DAC regions by
their percentages (``share_percent`` says which share a row holds); a single recipient without
a percentage takes all; an activity with no recipient, or with several but no percentages, gets
one row with the recipients it names and the whole amounts.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db.models import Prefetch, QuerySet

from opencoop.activities.disclosure import public_activities, public_participants
from opencoop.activities.models import Activity, ParticipatingOrg, Transaction
from opencoop.activities.vocabularies import DAC_REGIONS, DAC_SECTORS, TAG_CODELISTS
from opencoop.codelists import registry
from opencoop.core.multilingual import text
from opencoop.iati.writer import decimal_text
from opencoop.organisations.models import Organisation

from .csvfiles import line_writer

CHUNK_SIZE = 500
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
# IATI TransactionType codes counted as CRS commitments and disbursements (an expenditure is
# money the authority spends itself for the recipient: a disbursement in CRS terms).
COMMITMENTS = ("2",)
DISBURSEMENTS = ("3", "4")
IMPLEMENTING = "4"  # OrganisationRole
# An organisation identifier made from its DAC channel code (multilateral agencies).
CHANNEL_IDENTIFIER_RE = re.compile(r"^XM-DAC-(\d{5,6})$")
# PolicyMarker code → column, in the order of the OECD CRS reporting directives.
POLICY_MARKERS = (
    ("1", "marker_gender"),
    ("2", "marker_environment"),
    ("3", "marker_governance"),
    ("4", "marker_trade"),
    ("5", "marker_biodiversity"),
    ("6", "marker_climate_mitigation"),
    ("7", "marker_climate_adaptation"),
    ("8", "marker_desertification"),
    ("9", "marker_rmnch"),
    ("10", "marker_disaster_risk_reduction"),
    ("11", "marker_disability"),
    ("12", "marker_nutrition"),
)


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    numeric: bool = False  # computed by the portal: written as a number, never neutralised


# The data dictionary of the CSV, in column order.
COLUMNS = (
    Column("year", "Reporting year: commitments and disbursements dated in it.", numeric=True),
    Column("donor_code", "OECD DAC donor code (setting OPENCOOP_CRS_DONOR_CODE; blank if unset)."),
    Column("donor_name", "Reporting country: the country of the reporting organisation."),
    Column("agency_code", "CRS agency code (setting OPENCOOP_CRS_AGENCY_CODE; blank if unset)."),
    Column("agency_name", "Name of the reporting organisation."),
    Column("crs_id", "CRS identification number: the activity's IATI identifier."),
    Column("project_title", "Title of the activity."),
    Column("recipient_country_code", "ISO 3166-1 code of the recipient country."),
    Column("recipient_country_name", "Name of the recipient country."),
    Column("recipient_region_code", "OECD DAC code of the recipient region."),
    Column("recipient_region_name", "Name of the recipient region."),
    Column(
        "share_percent",
        "Share of the activity's amounts in this row (recipient's percentage).",
        numeric=True,
    ),
    Column("flow_type", "Type of flow (IATI FlowType = CRS flow code)."),
    Column("finance_type", "Type of finance (IATI FinanceType = CRS finance type)."),
    Column("aid_type", "Type of aid (IATI AidType = CRS aid type)."),
    Column("purpose_code", "CRS purpose code: the activity's main OECD DAC 5-digit sector."),
    Column("purpose_name", "Name of the purpose code."),
    Column(
        "channel_code",
        "CRS channel code of the implementing partner, when its identifier is made from one "
        "(XM-DAC-nnnnn); blank otherwise.",
    ),
    Column("channel_name", "Name of the implementing partner (blank when it is not published)."),
    Column("currency", "ISO 4217 currency of the amounts."),
    Column(
        "commitments",
        "Commitments dated in the year (IATI transaction type 2), this share.",
        numeric=True,
    ),
    Column(
        "disbursements",
        "Disbursements and expenditure dated in the year (IATI transaction types 3 and 4), "
        "this share.",
        numeric=True,
    ),
    *(
        Column(
            name,
            f"Policy marker “{registry.get('PolicyMarker').label(code, 'en')}”: significance "
            "(0 not targeted, 1 significant, 2 principal, 3 principal and in support of an "
            "action programme, 4 explicit primary objective); blank when not marked.",
            numeric=True,
        )
        for code, name in POLICY_MARKERS
    ),
    Column("sdg_focus", "SDG goals and targets the activity contributes to, joined by “;”."),
    Column("description", "General description of the activity."),
)
HEADER = [column.name for column in COLUMNS]
NUMERIC = {column.name for column in COLUMNS if column.numeric}


@dataclass(frozen=True)
class Recipient:
    country: str
    region: str
    share: Decimal | None  # None: the whole amounts (recipients without percentages)


def recipients(activity: Activity) -> list[Recipient]:
    """Return the rows' recipients: countries and DAC regions with their shares."""
    countries = list(activity.recipient_countries.all())
    regions = [r for r in activity.recipient_regions.all() if r.vocabulary in ("", DAC_REGIONS)]
    items = [(c.code, "", c.percentage) for c in countries] + [
        ("", r.code, r.percentage) for r in regions
    ]
    if not items:
        return [Recipient("", "", None)]
    if len(items) == 1:
        code, region, _percentage = items[0]
        return [Recipient(code, region, Decimal(1))]
    if any(percentage is None for *_codes, percentage in items):
        return [
            Recipient(
                ";".join(code for code, _r, _p in items if code),
                ";".join(region for _c, region, _p in items if region),
                None,
            )
        ]
    return [Recipient(code, region, percentage / HUNDRED) for code, region, percentage in items]


def purpose(activity: Activity) -> str:
    """Return the main OECD DAC purpose code: the DAC sector with the largest percentage."""
    sectors = [s for s in activity.sectors.all() if s.vocabulary == DAC_SECTORS]
    if not sectors:
        return ""
    return max(sectors, key=lambda s: s.percentage if s.percentage is not None else -1).code


def channel(activity: Activity) -> tuple[str, str]:
    """Return the CRS channel code and name of the first published implementing partner."""
    for participant in public_participants(activity):
        if participant.role != IMPLEMENTING or participant.hidden:
            continue
        match = CHANNEL_IDENTIFIER_RE.match(participant.identifier)
        code = match.group(1) if match else ""
        if code and not registry.get("CRSChannelCode").is_valid(code):
            code = ""
        return code, text(participant.name, "en")
    return "", ""


def amounts_by_currency(activity: Activity, year: int) -> dict[str, tuple[Decimal, Decimal]]:
    """Add up the year's commitments and disbursements by currency."""
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for transaction in activity.transactions.all():
        if transaction.date.year != year:
            continue
        currency = transaction.currency or activity.default_currency
        if transaction.type in COMMITMENTS:
            totals[currency][0] += transaction.value
        elif transaction.type in DISBURSEMENTS:
            totals[currency][1] += transaction.value
    return {currency: (c, d) for currency, (c, d) in totals.items() if c or d}


def crs_activities(organisation: Organisation, year: int) -> QuerySet[Activity]:
    """Return the public activities of ``organisation`` with money committed or paid in ``year``."""
    dated = Transaction.objects.filter(
        date__year=year, type__in=COMMITMENTS + DISBURSEMENTS
    ).values("activity_id")
    return (
        public_activities()
        .for_reporting_org(organisation)
        .filter(pk__in=dated)
        .select_related("reporting_org")
        .prefetch_related(
            "recipient_countries",
            "recipient_regions",
            "sectors",
            "sdg_tags",
            "policy_markers",
            "transactions",
            Prefetch(
                "participating_orgs",
                queryset=ParticipatingOrg.objects.select_related("organisation"),
            ),
        )
        .order_by("iati_identifier")
    )


def years_with_rows(organisation: Organisation) -> tuple[int, ...]:
    """Return the years whose CRS file of ``organisation`` has rows, newest first.

    Budgets and plans make no row: only commitments and payments do, so a year with only those
    would be a file of headers. A row is written for each activity with money committed or
    paid in the year (``amounts_by_currency``, as ``crs_rows`` decides): one pass over the
    authority's commitments and payments, not one file begun per candidate year.
    """
    money = Transaction.objects.filter(type__in=COMMITMENTS + DISBURSEMENTS)
    activities = (
        public_activities()
        .for_reporting_org(organisation)
        .filter(pk__in=money.values("activity_id"))
        .only("pk", "default_currency")
        .prefetch_related(Prefetch("transactions", queryset=money))
        .order_by()
    )
    years: set[int] = set()
    for activity in activities.iterator(chunk_size=CHUNK_SIZE):
        for year in {row.date.year for row in activity.transactions.all()} - years:
            if amounts_by_currency(activity, year):
                years.add(year)
    return tuple(sorted(years, reverse=True))


def _money(value: Decimal) -> str:
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):f}"


def crs_rows(organisation: Organisation, year: int, lang: str = "en") -> Iterator[dict[str, str]]:
    """Yield the CRS rows of ``organisation`` for ``year`` (texts in ``lang`` where written)."""
    countries, regions = registry.get("Country"), registry.get("Region")
    donor = {
        "year": str(year),
        "donor_code": settings.OPENCOOP_CRS_DONOR_CODE,
        "donor_name": countries.label(organisation.country, "en") if organisation.country else "",
        "agency_code": settings.OPENCOOP_CRS_AGENCY_CODE,
        "agency_name": text(organisation.name, lang),
    }
    for activity in crs_activities(organisation, year).iterator(chunk_size=CHUNK_SIZE):
        amounts = amounts_by_currency(activity, year)
        if not amounts:
            continue
        purpose_code = purpose(activity)
        channel_code, channel_name = channel(activity)
        markers = {m.code: m.significance for m in activity.policy_markers.all()}
        common = {
            **donor,
            "crs_id": activity.iati_identifier,
            "project_title": text(activity.title, lang),
            "flow_type": activity.default_flow_type,
            "finance_type": activity.default_finance_type,
            "aid_type": activity.default_aid_type,
            "purpose_code": purpose_code,
            "purpose_name": registry.get("Sector").label(purpose_code, "en")
            if purpose_code
            else "",
            "channel_code": channel_code,
            "channel_name": channel_name,
            **{name: markers.get(code, "") for code, name in POLICY_MARKERS},
            "sdg_focus": ";".join(
                tag.code for tag in activity.sdg_tags.all() if tag.vocabulary in TAG_CODELISTS
            ),
            "description": text(activity.description, lang),
        }
        for recipient in recipients(activity):
            share = recipient.share if recipient.share is not None else Decimal(1)
            for currency, (commitments, disbursements) in sorted(amounts.items()):
                yield {
                    **common,
                    "recipient_country_code": recipient.country,
                    "recipient_country_name": ";".join(
                        countries.label(code, "en") for code in recipient.country.split(";") if code
                    ),
                    "recipient_region_code": recipient.region,
                    "recipient_region_name": ";".join(
                        regions.label(code, "en") for code in recipient.region.split(";") if code
                    ),
                    "share_percent": decimal_text(share * HUNDRED),
                    "currency": currency,
                    "commitments": _money(commitments * share),
                    "disbursements": _money(disbursements * share),
                }


def iter_crs_csv(organisation: Organisation, year: int, lang: str = "en") -> Iterator[str]:
    """Yield the CRS table as CSV lines: the header, then one line per row."""
    writer = line_writer()
    yield writer.writerow(HEADER)
    for row in crs_rows(organisation, year, lang):
        yield writer.writerow([_cell(name, row[name]) for name in HEADER])


def _cell(name: str, value: str) -> str | Decimal:
    """Hand the writer the portal's figures as numbers, so that only texts are neutralised."""
    if name in NUMERIC and value:
        try:
            return Decimal(value)
        except InvalidOperation:  # not a figure after all: written as text, neutralised
            return value
    return value
