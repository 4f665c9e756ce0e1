"""Tests that the IATI files publish only what opencoop.activities.disclosure lets through."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from opencoop.activities.models import (
    Activity,
    Budget,
    Location,
    ParticipatingOrg,
    RecipientCountry,
    Transaction,
)
from opencoop.iati.export import (
    iter_activities_xml,
    iter_organisation_xml,
    reporting_org_activities,
)
from tests.factories import REPORTING_ORG_IDENTIFIER, make_activity, make_organisation

from .conftest import parse, schema_errors

# Records of several authorities on the demo's site, as on an atlas (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_authority")]

SECRET_NAME = {"it": "Associazione Nur al-Amal", "en": "Nur al-Amal Association"}
SECRET_IDENTIFIER = "IQ-NGO-4471"
PLACE_NAME = {"it": "Quartiere di Karrada", "en": "Karrada district"}


@pytest.fixture
def sensitive(reporting_org):
    """An activity with a partner shown without its name and places shown at country level."""
    partner = make_organisation(
        name=SECRET_NAME, identifier=SECRET_IDENTIFIER, type="22", country="IQ"
    )
    activity = make_activity(reporting_org, "SENSITIVE", hide_exact_locations=True)
    ParticipatingOrg.objects.create(
        activity=activity, organisation=partner, role="4", hide_name=True
    )
    RecipientCountry.objects.create(activity=activity, code="IQ")
    Location.objects.create(
        activity=activity,
        name=PLACE_NAME,
        country="IQ",
        latitude=Decimal("33.301234"),
        longitude=Decimal("44.421234"),
    )
    Budget.objects.create(
        activity=activity,
        period_start=datetime.date(2024, 1, 1),
        period_end=datetime.date(2024, 12, 31),
        value=Decimal("20000"),
    )
    for kind, provider, receiver in (("2", reporting_org, partner), ("1", partner, None)):
        Transaction.objects.create(
            activity=activity,
            type=kind,
            date=datetime.date(2024, 3, 1),
            value=Decimal("20000"),
            provider_org=provider,
            receiver_org=receiver,
        )
    return activity


def assert_discloses_nothing_secret(data: bytes) -> None:
    text = data.decode("utf-8")
    for secret in [*SECRET_NAME.values(), SECRET_IDENTIFIER, *PLACE_NAME.values()]:
        assert secret not in text
    assert "<pos>" not in text
    assert "33.30" not in text and "44.42" not in text


def test_activity_file_hides_the_partner_and_the_places(sensitive):
    data = b"".join(iter_activities_xml(Activity.objects.filter(pk=sensitive.pk)))

    assert_discloses_nothing_secret(data)
    assert schema_errors(data) == []
    activity = parse(data).xpath("iati-activity")[0]
    hidden = activity.xpath("participating-org[@role='4']")[0]
    assert hidden.get("ref") is None and hidden.get("type") is None
    assert hidden.xpath("narrative[@xml:lang='it']/text()") == ["un partner locale"]
    assert hidden.xpath("narrative[@xml:lang='en']/text()") == ["a local partner"]
    assert activity.xpath("location") == []
    assert activity.xpath("recipient-country/@code") == ["IQ"]
    commitment, incoming = activity.xpath("transaction")
    assert commitment.xpath("receiver-org/@ref") == []
    assert commitment.xpath("receiver-org/narrative[@xml:lang='en']/text()") == ["a local partner"]
    assert commitment.xpath("provider-org/@ref") == [REPORTING_ORG_IDENTIFIER]
    assert incoming.xpath("provider-org/narrative[@xml:lang='it']/text()") == ["un partner locale"]


def test_organisation_file_names_nothing_secret(sensitive, reporting_org):
    data = b"".join(iter_organisation_xml(reporting_org))
    assert_discloses_nothing_secret(data)
    assert schema_errors(data, "organisations") == []
    # The activity's money still counts for its country: only names and places are hidden.
    assert parse(data).xpath("//recipient-country-budget/recipient-country/@code") == ["IQ"]


def test_http_responses_name_nothing_secret(sensitive, client):
    for name, identifier in (
        ("iati-activities", REPORTING_ORG_IDENTIFIER),
        ("iati-organisation", REPORTING_ORG_IDENTIFIER),
        ("iati-activity", sensitive.iati_identifier),
    ):
        response = client.get(reverse(f"opendata:{name}", args=[identifier]))
        assert response.status_code == 200
        data = b"".join(response.streaming_content)
        assert_discloses_nothing_secret(data)
        assert b"a local partner" in data or name == "iati-organisation"


@pytest.fixture
def withheld(reporting_org):
    """An embargoed activity and an unpublished one, each with a budget."""
    future = timezone.localdate() + datetime.timedelta(days=60)
    embargoed = make_activity(reporting_org, "EMBARGOED", embargo_until=future)
    draft = make_activity(reporting_org, "DRAFT", live=False)
    for activity in (embargoed, draft):
        RecipientCountry.objects.create(activity=activity, code="SN")
        Budget.objects.create(
            activity=activity,
            period_start=datetime.date(2024, 1, 1),
            period_end=datetime.date(2024, 12, 31),
            value=Decimal("999"),
        )
    return embargoed, draft


def test_embargoed_and_unpublished_activities_are_absent(reporting_org, withheld, client):
    make_activity(reporting_org, "PUBLIC")
    past = make_activity(
        reporting_org, "EMBARGO-OVER", embargo_until=timezone.localdate()
    )  # the embargo ends today: public

    data = b"".join(iter_activities_xml(Activity.objects.filter(reporting_org=reporting_org)))
    identifiers = parse(data).xpath("iati-activity/iati-identifier/text()")
    assert identifiers == [past.iati_identifier, f"{REPORTING_ORG_IDENTIFIER}-PUBLIC"]

    response = client.get(reverse("opendata:iati-activities", args=[REPORTING_ORG_IDENTIFIER]))
    body = b"".join(response.streaming_content)
    assert b"EMBARGOED" not in body and b"-DRAFT" not in body

    organisation = parse(b"".join(iter_organisation_xml(reporting_org)))
    assert organisation.xpath("//recipient-country-budget") == []
    assert reporting_org_activities(reporting_org).count() == 2
