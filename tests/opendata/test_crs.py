"""Tests of the OECD DAC CRS table: figures checked against the transactions themselves."""

from __future__ import annotations

import csv
import datetime
import io
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from opencoop.activities.models import (
    Activity,
    ParticipatingOrg,
    PolicyMarker,
    RecipientCountry,
    RecipientRegion,
    SdgTag,
    Sector,
    Transaction,
)
from opencoop.opendata.crs import HEADER
from tests.factories import REPORTING_ORG_IDENTIFIER, make_activity, make_organisation

# Records of several authorities on the demo's site, as on an atlas (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_authority")]

YEAR = 2024
CENT = Decimal("0.01")
SECRET = {"it": "Associazione Riservata Esempio", "en": "Confidential Example Association"}


def pay(activity, kind: str, day: datetime.date, value: str, currency: str = "") -> None:
    Transaction.objects.create(
        activity=activity, type=kind, date=day, value=Decimal(value), currency=currency
    )


@pytest.fixture
def activities(reporting_org):
    """Two public activities with money in the year, and others that must stay out."""
    shared = make_activity(
        reporting_org,
        "SHARED",
        default_flow_type="10",
        default_finance_type="110",
        default_aid_type="C01",
        description={"en": "Wells in two countries.", "it": "Pozzi in due paesi."},
    )
    RecipientCountry.objects.create(activity=shared, code="BF", percentage=Decimal("60"))
    RecipientCountry.objects.create(activity=shared, code="NE", percentage=Decimal("25"))
    RecipientRegion.objects.create(activity=shared, code="289", percentage=Decimal("15"))
    Sector.objects.create(activity=shared, code="14030", percentage=Decimal("70"))
    Sector.objects.create(activity=shared, code="32161", percentage=Decimal("30"))
    PolicyMarker.objects.create(activity=shared, code="1", significance="2")
    PolicyMarker.objects.create(activity=shared, code="7", significance="1")
    SdgTag.objects.create(activity=shared, vocabulary="2", code="6")
    SdgTag.objects.create(activity=shared, vocabulary="3", code="6.1")
    channel = make_organisation(name={"en": "Channel partner (test)"}, identifier="XM-DAC-41114")
    ParticipatingOrg.objects.create(activity=shared, organisation=channel, role="4")
    pay(shared, "2", datetime.date(YEAR, 2, 1), "90000")
    pay(shared, "3", datetime.date(YEAR, 3, 1), "30000.33")
    pay(shared, "4", datetime.date(YEAR, 9, 1), "5000")
    pay(shared, "3", datetime.date(YEAR, 10, 1), "1000", currency="USD")
    pay(shared, "3", datetime.date(YEAR - 1, 12, 31), "7777")  # another year
    pay(shared, "1", datetime.date(YEAR, 1, 5), "50000")  # incoming funds: not CRS

    sensitive = make_activity(reporting_org, "SENSITIVE")
    hidden = make_organisation(name=SECRET, identifier="XM-DAC-41122")
    ParticipatingOrg.objects.create(
        activity=sensitive, organisation=hidden, role="4", hide_name=True
    )
    RecipientCountry.objects.create(activity=sensitive, code="IQ")
    pay(sensitive, "3", datetime.date(YEAR, 5, 5), "12000")

    draft = make_activity(reporting_org, "DRAFT", live=False)
    embargoed = make_activity(
        reporting_org, "EMBARGOED", embargo_until=timezone.localdate() + datetime.timedelta(days=9)
    )
    quiet = make_activity(reporting_org, "QUIET")
    for activity in (draft, embargoed):
        pay(activity, "3", datetime.date(YEAR, 4, 4), "999")
    pay(quiet, "3", datetime.date(YEAR + 1, 1, 1), "888")
    return shared, sensitive


def crs(*args: str) -> list[dict[str, str]]:
    out = io.StringIO()
    call_command(
        "crs_export", "--org", REPORTING_ORG_IDENTIFIER, "--year", str(YEAR), *args, stdout=out
    )
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def direct(activity: Activity, types: tuple[str, ...], currency: str) -> Decimal:
    """Add up the year's transactions of ``types`` in ``currency`` straight from the database."""
    total = Transaction.objects.filter(activity=activity, date__year=YEAR, type__in=types).filter(
        currency__in=[currency] if currency != activity.default_currency else ["", currency]
    )
    return total.aggregate(total=Sum("value"))["total"] or Decimal(0)


def test_rows_split_the_year_s_money_by_recipient_share(activities, settings):
    settings.OPENCOOP_CRS_DONOR_CODE = "6"
    shared, _sensitive = activities
    rows = crs()

    assert list(rows[0]) == HEADER
    mine = [row for row in rows if row["crs_id"] == shared.iati_identifier]
    # Three recipients (BF, NE and a region) times two currencies.
    assert [
        (r["recipient_country_code"], r["recipient_region_code"], r["currency"]) for r in mine
    ] == [
        ("BF", "", "EUR"),
        ("BF", "", "USD"),
        ("NE", "", "EUR"),
        ("NE", "", "USD"),
        ("", "289", "EUR"),
        ("", "289", "USD"),
    ]
    shares = {"BF": Decimal("0.60"), "NE": Decimal("0.25"), "289": Decimal("0.15")}
    by_currency: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for row in mine:
        share = shares[row["recipient_country_code"] or row["recipient_region_code"]]
        commitments = direct(shared, ("2",), row["currency"])
        disbursements = direct(shared, ("3", "4"), row["currency"])
        assert Decimal(row["commitments"]) == (commitments * share).quantize(CENT, ROUND_HALF_UP)
        assert Decimal(row["disbursements"]) == (disbursements * share).quantize(
            CENT, ROUND_HALF_UP
        )
        assert Decimal(row["share_percent"]) == share * 100
        by_currency[row["currency"]][0] += Decimal(row["commitments"])
        by_currency[row["currency"]][1] += Decimal(row["disbursements"])
    # The shares add up to the activity's figures (to the cent).
    assert by_currency["EUR"] == [Decimal("90000.00"), Decimal("35000.33")]
    assert by_currency["USD"] == [Decimal("0.00"), Decimal("1000.00")]

    first = mine[0]
    assert (first["year"], first["donor_code"], first["donor_name"]) == ("2024", "6", "Italy")
    assert first["agency_name"] == "Municipality of Prova"
    assert first["recipient_country_name"] == "Burkina Faso"
    assert mine[4]["recipient_region_name"] == "South of Sahara, regional"
    assert (first["flow_type"], first["finance_type"], first["aid_type"]) == ("10", "110", "C01")
    assert (first["purpose_code"], first["purpose_name"]) == (
        "14030",
        "Basic drinking water supply and basic sanitation",
    )
    assert (first["channel_code"], first["channel_name"]) == ("41114", "Channel partner (test)")
    assert (first["marker_gender"], first["marker_climate_adaptation"]) == ("2", "1")
    assert first["marker_environment"] == ""
    assert first["sdg_focus"] == "6;6.1"
    assert first["description"] == "Wells in two countries."
    assert first["project_title"] == "Project SHARED"


def test_only_public_activities_with_money_in_the_year(activities):
    identifiers = {row["crs_id"] for row in crs()}
    assert identifiers == {
        f"{REPORTING_ORG_IDENTIFIER}-SHARED",
        f"{REPORTING_ORG_IDENTIFIER}-SENSITIVE",
    }


def test_a_hidden_partner_is_never_named(activities, client):
    _shared, sensitive = activities
    [row] = [row for row in crs() if row["crs_id"] == sensitive.iati_identifier]
    assert (row["channel_code"], row["channel_name"]) == ("", "")
    assert row["disbursements"] == "12000.00"
    response = client.get(reverse("opendata:crs", args=[REPORTING_ORG_IDENTIFIER, YEAR]))
    body = b"".join(response.streaming_content).decode("utf-8")
    for secret in [*SECRET.values(), "XM-DAC-41122", "41122"]:
        assert secret not in body


def test_the_address_serves_the_same_table_as_the_command(activities, client, tmp_path):
    response = client.get(f"/opendata/crs/{REPORTING_ORG_IDENTIFIER}/{YEAR}.csv")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="{REPORTING_ORG_IDENTIFIER}-crs-{YEAR}.csv"'
    )
    target = tmp_path / "crs.csv"
    crs("--output", str(target))
    assert b"".join(response.streaming_content) == target.read_bytes()


def test_texts_in_another_language(activities):
    rows = crs("--lang", "it")
    shared = next(row for row in rows if row["crs_id"].endswith("SHARED"))
    assert shared["description"] == "Pozzi in due paesi."
    assert shared["project_title"] == "Progetto SHARED"


def test_unknown_organisation_or_year(client, reporting_org):
    assert client.get("/opendata/crs/XX-NOPE/2024.csv").status_code == 404
    assert client.get(f"/opendata/crs/{REPORTING_ORG_IDENTIFIER}/1800.csv").status_code == 404
    with pytest.raises(CommandError, match="No reporting organisation"):
        call_command("crs_export", "--org", "XX-NOPE", "--year", "2024", stdout=io.StringIO())


def test_formula_like_texts_are_neutralised_and_figures_stay_numbers(reporting_org, client):
    hyperlink = '=HYPERLINK("http://evil.example","Click")'
    activity = make_activity(
        reporting_org,
        "FORMULA",
        title={"en": hyperlink, "it": "@SUM(1+1)"},
        description={"en": "-2+3", "it": "+cmd"},
    )
    pay(activity, "2", datetime.date(YEAR, 2, 1), "-30000")  # a decommitment
    pay(activity, "3", datetime.date(YEAR, 3, 1), "1500.5")
    [row] = crs()
    assert (row["project_title"], row["description"]) == ("'" + hyperlink, "'-2+3")
    assert (row["commitments"], row["disbursements"]) == ("-30000.00", "1500.50")
    assert (row["year"], row["share_percent"]) == (str(YEAR), "100")
    [italian] = crs("--lang", "it")
    assert (italian["project_title"], italian["description"]) == ("'@SUM(1+1)", "'+cmd")
    response = client.get(f"/opendata/crs/{REPORTING_ORG_IDENTIFIER}/{YEAR}.csv")
    served = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert served == [row]
