"""A published activity of the Florence section with a hidden partner and hidden places.

Used by the download, API, feed and page tests to prove that what must stay unnamed appears in
no output. The names are fictional and distinctive, so that finding them anywhere is a leak.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from opencoop.activities.models import Activity
from opencoop.organisations.models import Organisation
from tests.factories import (
    ActivityFactory,
    BudgetFactory,
    LocationFactory,
    OrganisationFactory,
    ParticipatingOrgFactory,
    RecipientCountryFactory,
    SectorFactory,
    TransactionFactory,
)

HIDDEN_NAME = {"it": "Rifugio Nascosto Onlus", "en": "Hidden Refuge Trust"}
HIDDEN_SLUG = "hidden-refuge-trust"
HIDDEN_IDENTIFIER = "XM-OCHIDDEN-7"
HIDDEN_PLACE = {"it": "Villaggio Riservato", "en": "Reserved Village"}
VISIBLE_NAME = {"it": "Cooperativa Alba Chiara", "en": "Clear Dawn Cooperative"}
VISIBLE_SLUG = "clear-dawn-cooperative"
SENSITIVE_TITLE = {
    "it": "Sostegno psicologico alle famiglie sfollate",
    "en": "Psychological support for displaced families",
}

# Every form in which the hidden partner or the hidden place could leak.
SECRETS = [*HIDDEN_NAME.values(), HIDDEN_SLUG, HIDDEN_IDENTIFIER, *HIDDEN_PLACE.values(), "36.2021"]


@dataclass
class Sensitive:
    activity: Activity
    hidden: Organisation
    visible: Organisation
    florence: Organisation


def make_sensitive_activity() -> Sensitive:
    """Create and publish the activity (with a revision, as editors do)."""
    florence = Organisation.objects.get(slug="florence")
    hidden = OrganisationFactory(
        name=HIDDEN_NAME, slug=HIDDEN_SLUG, identifier=HIDDEN_IDENTIFIER, country="SY"
    )
    visible = OrganisationFactory(
        name=VISIBLE_NAME, slug=VISIBLE_SLUG, identifier="XM-OCVISIBLE-8", country="LB"
    )
    activity = ActivityFactory(
        reporting_org=florence,
        suffix="OC-SENSITIVE",
        slug="oc-sensitive-support",
        title=SENSITIVE_TITLE,
        description={
            "it": "Ascolto e accompagnamento per famiglie in fuga.",
            "en": "Listening and accompaniment for families on the move.",
        },
        planned_start=datetime.date(2024, 3, 1),
        planned_end=datetime.date(2026, 2, 28),
        hide_exact_locations=True,
    )
    ParticipatingOrgFactory(activity=activity, organisation=hidden, hide_name=True)
    # Hidden in one role means hidden in all: this unhidden second role must not name it.
    ParticipatingOrgFactory(activity=activity, organisation=hidden, role="3")
    ParticipatingOrgFactory(activity=activity, organisation=visible)
    RecipientCountryFactory(activity=activity, code="SY", percentage=Decimal(70))
    RecipientCountryFactory(activity=activity, code="LB", percentage=Decimal(30))
    SectorFactory(activity=activity, code="15160", percentage=100)
    LocationFactory(
        activity=activity,
        name=HIDDEN_PLACE,
        country="SY",
        latitude=Decimal("36.202100"),
        longitude=Decimal("37.134300"),
    )
    BudgetFactory(
        activity=activity,
        period_start=datetime.date(2024, 3, 1),
        period_end=datetime.date(2025, 2, 28),
        value=Decimal("25000.00"),
    )
    TransactionFactory(
        activity=activity,
        date=datetime.date(2024, 4, 1),
        value=Decimal("12000.00"),
        provider_org=florence,
        receiver_org=hidden,
    )
    activity.save_revision(log_action=False).publish(log_action=False)
    activity.refresh_from_db()
    return Sensitive(activity, hidden, visible, florence)


def assert_no_secret(data: bytes | str, where: str) -> None:
    """Fail, saying where, if any form of the hidden partner or place is in ``data``."""
    content = data.decode() if isinstance(data, bytes) else data
    for secret in SECRETS:
        assert secret not in content, f"{where} reveals “{secret}”"
