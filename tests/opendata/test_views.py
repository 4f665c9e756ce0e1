"""Tests of the open data addresses."""

from __future__ import annotations

import datetime

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from opencoop.iati.export import activities_file_available, iati_file_available
from tests.factories import REPORTING_ORG_IDENTIFIER, make_activity, make_organisation

from .conftest import parse, schema_errors

# Records of several authorities on the demo's site, as on an atlas (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_authority")]


def test_urls():
    assert (
        reverse("opendata:iati-activities", args=[REPORTING_ORG_IDENTIFIER])
        == f"/opendata/iati/{REPORTING_ORG_IDENTIFIER}/activities.xml"
    )
    assert (
        reverse("opendata:iati-organisation", args=[REPORTING_ORG_IDENTIFIER])
        == f"/opendata/iati/{REPORTING_ORG_IDENTIFIER}/organisation.xml"
    )
    assert (
        reverse("opendata:iati-activity", args=["IT-CF-1-A"])
        == "/opendata/iati/activity/IT-CF-1-A.xml"
    )


def test_activities_file_streams_every_public_activity(reporting_org, client):
    for suffix in ("A", "B", "C"):
        make_activity(reporting_org, suffix)

    response = client.get(f"/opendata/iati/{REPORTING_ORG_IDENTIFIER}/activities.xml")

    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == f'inline; filename="{REPORTING_ORG_IDENTIFIER}-activities.xml"'
    )
    chunks = list(response.streaming_content)
    assert len(chunks) > 1
    data = b"".join(chunks)
    assert schema_errors(data) == []
    assert parse(data).xpath("iati-activity/iati-identifier/text()") == [
        f"{REPORTING_ORG_IDENTIFIER}-{suffix}" for suffix in ("A", "B", "C")
    ]


def test_one_activity(reporting_org, client):
    activity = make_activity(reporting_org, "ONE")
    make_activity(reporting_org, "OTHER")

    response = client.get(f"/opendata/iati/activity/{activity.iati_identifier}.xml")

    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["Content-Disposition"] == f'inline; filename="{activity.iati_identifier}.xml"'
    data = b"".join(response.streaming_content)
    assert parse(data).xpath("iati-activity/iati-identifier/text()") == [activity.iati_identifier]


@pytest.mark.parametrize(
    "fields",
    [
        {"live": False},
        {"embargo_until": "tomorrow"},
    ],
    ids=["draft", "embargoed"],
)
def test_one_activity_is_not_found_unless_public(reporting_org, client, fields):
    if fields.get("embargo_until") == "tomorrow":
        # Computed when the test runs, not when it is collected: a run across midnight (Rome)
        # would otherwise test an embargo that has already ended.
        fields = {"embargo_until": timezone.localdate() + datetime.timedelta(days=1)}
    activity = make_activity(reporting_org, "HIDDEN", **fields)
    response = client.get(f"/opendata/iati/activity/{activity.iati_identifier}.xml")
    assert response.status_code == 404


def test_organisation_file(reporting_org, client):
    response = client.get(f"/opendata/iati/{REPORTING_ORG_IDENTIFIER}/organisation.xml")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == f'inline; filename="{REPORTING_ORG_IDENTIFIER}-organisation.xml"'
    )
    data = b"".join(response.streaming_content)
    assert schema_errors(data, "organisations") == []
    assert parse(data).xpath("iati-organisation/organisation-identifier/text()") == [
        REPORTING_ORG_IDENTIFIER
    ]


@pytest.mark.parametrize("name", ["iati-activities", "iati-organisation"])
def test_unknown_or_non_reporting_organisation_is_not_found(client, name):
    partner = make_organisation(identifier="XM-DAC-47000", is_reporting=False)
    for identifier in ("XX-UNKNOWN-1", partner.identifier):
        assert client.get(reverse(f"opendata:{name}", args=[identifier])).status_code == 404


def test_only_reading_is_allowed(reporting_org, client):
    response = client.post(f"/opendata/iati/{REPORTING_ORG_IDENTIFIER}/activities.xml")
    assert response.status_code == 405


def test_one_activity_lacking_required_elements_is_not_found(reporting_org, client):
    incomplete = make_activity(reporting_org, "NODATE", planned_start=None, planned_end=None)
    complete = make_activity(reporting_org, "DATED")
    assert iati_file_available(complete) is True
    assert iati_file_available(incomplete) is False
    response = client.get(reverse("opendata:iati-activity", args=[incomplete.iati_identifier]))
    assert response.status_code == 404
    response = client.get(reverse("opendata:iati-activity", args=[complete.iati_identifier]))
    assert response.status_code == 200


def test_file_availability_follows_disclosure(reporting_org):
    draft = make_activity(reporting_org, "DRAFT", live=False)
    assert iati_file_available(draft) is False
    assert activities_file_available(reporting_org) is False
    make_activity(reporting_org, "PUBLIC")
    assert activities_file_available(reporting_org) is True


def test_organisation_without_a_complete_activity_has_no_activity_file(reporting_org, client):
    make_activity(reporting_org, "NOSTATUS", status="")
    response = client.get(reverse("opendata:iati-activities", args=[REPORTING_ORG_IDENTIFIER]))
    assert response.status_code == 404
    response = client.get(reverse("opendata:iati-organisation", args=[REPORTING_ORG_IDENTIFIER]))
    assert response.status_code == 200
