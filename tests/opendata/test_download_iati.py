"""Tests of the IATI 2.03 file of a filtered catalogue list."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import make_activity, make_published_activity, make_reporting_org

from .conftest import parse, schema_errors
from .sensitive import assert_no_secret, make_sensitive_activity
from .test_downloads import CSV_URL, body, catalogue_identifiers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_authority")]

IATI_URL = "/opendata/catalogue/activities.xml"


def iati_identifiers(client, query: str) -> tuple[bytes, list[str]]:
    response = client.get(IATI_URL + query)
    assert response.status_code == 200, body(response)
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    data = body(response)
    return data, parse(data).xpath("iati-activity/iati-identifier/text()")


@pytest.fixture
def listed():
    """Activities of one authority with every element IATI requires, in two countries."""
    org = make_reporting_org()

    def publishable(title: str, country: str):
        return make_published_activity(
            org,
            title={"en": title},
            description={"en": f"{title}, described."},
            countries=(country,),
            status="2",
            start=datetime.date(2024, 1, 1),
        )

    return org, [
        publishable("Wells in Hebron", "PS"),
        publishable("Olive presses in Jenin", "PS"),
        publishable("Schools in Thiès", "SN"),
    ]


@pytest.mark.parametrize("query", ["?org={org}", "?org={org}&country=PS", "?org={org}&country=SN"])
def test_iati_file_holds_the_activities_the_catalogue_lists_and_validates(client, listed, query):
    org, _ = listed
    query = query.format(org=org.slug)
    expected = catalogue_identifiers(query)
    assert expected, "the query should match something"
    data, identifiers = iati_identifiers(client, query + "&lang=en")
    # The file is in identifier order, as the authorities' files are.
    assert identifiers == sorted(expected)
    assert schema_errors(data) == []


def test_hidden_and_embargoed_activities_are_never_in_the_file(client):
    org = make_reporting_org()
    draft = make_activity(org, "DRAFT", live=False)
    embargoed = make_activity(
        org, "EMBARGOED", embargo_until=timezone.localdate() + datetime.timedelta(days=9)
    )
    public = make_activity(org, "PUBLIC")
    data, identifiers = iati_identifiers(client, f"?org={org.slug}&lang=en")
    assert identifiers == [public.iati_identifier]
    assert draft.iati_identifier.encode() not in data
    assert embargoed.iati_identifier.encode() not in data


def test_hidden_partner_and_places_stay_out_of_the_file(client):
    sensitive = make_sensitive_activity()
    data, identifiers = iati_identifiers(client, "?country=SY&lang=en")
    assert sensitive.activity.iati_identifier in identifiers
    assert_no_secret(data, "the IATI download")


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "No activity of this list has every element IATI 2.03 requires"),
        ("it", "Nessuna attività di questo elenco ha tutti gli elementi richiesti da IATI 2.03"),
    ],
)
def test_a_list_without_a_publishable_activity_has_no_file_and_says_why(client, lang, message):
    response = client.get(IATI_URL + f"?q=zzzznothingmatcheszzzz&lang={lang}")
    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert message in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?country=XX&lang=en", "(country): “XX” is not a known value"),
        ("?country=XX", "Filtro “Paese” (country): “XX” non è un valore conosciuto."),
    ],
)
def test_bad_filter_gets_the_same_plain_text_400_as_csv(client, query, message):
    response = client.get(IATI_URL + query)
    csv_response = client.get(CSV_URL + query)
    assert response.status_code == csv_response.status_code == 400
    assert response["Content-Type"] == csv_response["Content-Type"]
    assert response.content == csv_response.content
    assert message in response.content.decode()
