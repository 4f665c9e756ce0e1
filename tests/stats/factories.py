"""Small hand-made activities for the statistics tests (figures known in advance)."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from opencoop.activities.models import (
    Activity,
    Budget,
    Location,
    ParticipatingOrg,
    RecipientCountry,
    Sector,
    Transaction,
)
from opencoop.organisations.models import Organisation

_numbers = itertools.count(1)


def make_authority() -> Organisation:
    number = next(_numbers)
    return Organisation.objects.create(
        name={"it": f"Ente di prova {number}", "en": f"Test authority {number}"},
        slug=f"test-authority-{number}",
        identifier=f"XI-EXAMPLE-TEST-{number}",
        type="11",
        country="IT",
        is_reporting=True,
    )


def make_activity(
    authority: Organisation,
    *,
    countries: dict[str, int | None] | None = None,
    currency: str = "EUR",
    transactions: list[tuple[str, str, str]] = (),
    live: bool = True,
    **fields,
) -> Activity:
    """Create a published activity; ``transactions`` are (type, ISO date, amount)."""
    number = next(_numbers)
    activity = Activity(
        reporting_org=authority,
        iati_identifier=f"{authority.identifier}-{number}",
        slug=f"activity-{number}",
        title={"it": f"Attività {number}", "en": f"Activity {number}"},
        default_currency=currency,
        live=live,
        **fields,
    )
    activity.save()
    for code, percentage in (countries or {}).items():
        RecipientCountry.objects.create(
            activity=activity,
            code=code,
            percentage=Decimal(percentage) if percentage is not None else None,
        )
    for kind, day, amount in transactions:
        Transaction.objects.create(
            activity=activity,
            type=kind,
            date=datetime.date.fromisoformat(day),
            value=Decimal(amount),
        )
    return activity


def add_budget(activity: Activity, year: int, amount: str, kind: str = "1") -> Budget:
    return Budget.objects.create(
        activity=activity,
        type=kind,
        period_start=datetime.date(year, 1, 1),
        period_end=datetime.date(year, 12, 31),
        value=Decimal(amount),
    )


def add_location(activity: Activity, name: str, latitude: str, longitude: str, country: str):
    return Location.objects.create(
        activity=activity,
        name={"it": name, "en": name},
        country=country,
        latitude=Decimal(latitude),
        longitude=Decimal(longitude),
    )


def add_partner(activity: Activity, org_type: str, hide_name: bool = False) -> ParticipatingOrg:
    number = next(_numbers)
    partner = Organisation.objects.create(
        name={"it": f"Partner {number}", "en": f"Partner {number}"},
        slug=f"test-partner-{number}",
        type=org_type,
    )
    return ParticipatingOrg.objects.create(
        activity=activity, organisation=partner, role="4", hide_name=hide_name
    )


def add_sector(activity: Activity, code: str, percentage: int | None = None) -> Sector:
    return Sector.objects.create(
        activity=activity,
        vocabulary="1",
        code=code,
        percentage=Decimal(percentage) if percentage is not None else None,
    )
