"""Tests of the IATI rules the schema cannot check, and of the iati_validate command."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from opencoop.activities.models import (
    Budget,
    RecipientCountry,
    RecipientRegion,
    Sector,
    Transaction,
)
from opencoop.iati.rules import Breach, check_activity, missing_mandatory
from tests.factories import REPORTING_ORG_IDENTIFIER, make_activity, make_full_activity

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 1, 1)


def breaches(activity) -> list[tuple[str, str]]:
    return [(b.path, b.message) for b in check_activity(activity, today=TODAY)]


def paths(activity) -> list[str]:
    return [path for path, _ in breaches(activity)]


def test_a_complete_activity_breaks_no_rule(reporting_org):
    assert breaches(make_activity(reporting_org, "OK")) == []


def test_country_split_not_adding_up_to_100(reporting_org):
    activity = make_activity(reporting_org, "SPLIT")
    RecipientCountry.objects.create(activity=activity, code="BF", percentage=Decimal(60))
    RecipientCountry.objects.create(activity=activity, code="NE", percentage=Decimal(30))

    [breach] = check_activity(activity, today=TODAY)

    assert breach.identifier == f"{REPORTING_ORG_IDENTIFIER}-SPLIT"
    assert breach.path == "recipient-country"
    assert "add up to 90, not 100" in breach.message
    assert str(breach) == f"{breach.identifier}: recipient-country: {breach.message}"


def test_countries_and_dac_regions_add_up_together(reporting_org):
    activity = make_activity(reporting_org, "REGION")
    RecipientCountry.objects.create(activity=activity, code="BF", percentage=Decimal(60))
    RecipientRegion.objects.create(activity=activity, code="289", percentage=Decimal(40))
    assert breaches(activity) == []
    RecipientRegion.objects.create(activity=activity, vocabulary="2", code="011")
    assert breaches(activity) == []
    RecipientRegion.objects.create(
        activity=activity, vocabulary="2", code="002", percentage=Decimal(50)
    )
    assert paths(activity) == ["recipient-region[@vocabulary='2']"]


def test_one_country_without_percentage_is_fine_two_are_not(reporting_org):
    activity = make_activity(reporting_org, "COUNTRIES")
    RecipientCountry.objects.create(activity=activity, code="BF")
    assert breaches(activity) == []
    RecipientCountry.objects.create(activity=activity, code="NE")
    assert breaches(activity) == [
        (
            "recipient-country",
            "each of the recipient countries and regions needs a percentage when there is "
            "more than one",
        )
    ]


def test_sector_percentages_are_checked_per_vocabulary(reporting_org):
    activity = make_activity(reporting_org, "SECTORS")
    Sector.objects.create(activity=activity, vocabulary="1", code="14030", percentage=70)
    Sector.objects.create(activity=activity, vocabulary="1", code="32161", percentage=20)
    Sector.objects.create(activity=activity, vocabulary="2", code="140", percentage=100)
    assert paths(activity) == ["sector[@vocabulary='1']"]


def test_end_before_start(reporting_org):
    activity = make_activity(
        reporting_org,
        "BACKWARDS",
        planned_start=datetime.date(2025, 1, 1),
        planned_end=datetime.date(2024, 1, 1),
    )
    assert breaches(activity) == [
        (
            "activity-date[@type='3']",
            "the planned end (2024-01-01) is before the planned start (2025-01-01)",
        )
    ]


def test_wrong_identifier_prefix(reporting_org):
    activity = make_activity(reporting_org, "X", iati_identifier="IT-CF-99999999999-X")
    [breach] = check_activity(activity, today=TODAY)
    assert (breach.identifier, breach.path) == ("IT-CF-99999999999-X", "iati-identifier")
    assert f"“{REPORTING_ORG_IDENTIFIER}-”" in breach.message


def test_codes_and_currencies_must_be_in_the_codelists(reporting_org):
    activity = make_activity(reporting_org, "CODES", status="9", default_currency="XXY")
    RecipientCountry.objects.create(activity=activity, code="ZZ")
    Sector.objects.create(activity=activity, vocabulary="1", code="99999")
    Budget.objects.create(
        activity=activity,
        period_start=datetime.date(2024, 1, 1),
        period_end=datetime.date(2024, 6, 30),
        value=Decimal(1),
        currency="LIR",
    )
    assert paths(activity) == [
        "@default-currency",
        "activity-status",
        "recipient-country[@code='ZZ']",
        "sector[@vocabulary='1'][@code='99999']",
        "budget[1]/value/@currency",
    ]


def test_budget_periods(reporting_org):
    activity = make_activity(reporting_org, "BUDGETS")
    for start, end in (
        (datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)),  # a leap year: fine
        (datetime.date(2024, 1, 1), datetime.date(2025, 6, 30)),  # longer than a year
        (datetime.date(2025, 6, 30), datetime.date(2025, 1, 1)),  # ends before it starts
    ):
        Budget.objects.create(activity=activity, period_start=start, period_end=end, value=1)
    assert paths(activity) == ["budget[2]/period-end", "budget[3]/period-end"]


def test_transaction_dates_within_the_activity(reporting_org):
    activity = make_activity(reporting_org, "TX")
    for day in (datetime.date(2024, 5, 1), datetime.date(2023, 12, 31), TODAY.replace(month=2)):
        Transaction.objects.create(activity=activity, type="3", date=day, value=1)
    assert breaches(activity) == [
        (
            "transaction[2]/transaction-date",
            "2023-12-31 is outside the activity's dates (2024-01-01 – 2025-12-31)",
        ),
        (
            "transaction[3]/transaction-date",
            "2026-02-01 is outside the activity's dates (2024-01-01 – 2025-12-31)",
        ),
        ("transaction[3]/transaction-date", "2026-02-01 is in the future"),
    ]


def test_participants_title_and_required_facts(reporting_org):
    activity = make_activity(
        reporting_org, "BARE", title={}, description={}, status="", planned_start=None
    )
    activity.participating_orgs.all().delete()
    assert paths(activity) == [
        "title",
        "description",
        "participating-org",
        "activity-status",
        "activity-date",
    ]


def test_the_full_activity_only_warns_about_its_title_only_document(reporting_org):
    activity = make_full_activity(reporting_org)
    assert check_activity(activity, today=TODAY) == [
        Breach(
            activity.iati_identifier,
            "document-link[3]",
            "the document has neither a file nor an address, so it is left out of the IATI file",
            "warning",
        )
    ]


# The command -------------------------------------------------------------------------------------
def run_validate(*args: str) -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("iati_validate", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def test_validate_command_passes_a_clean_organisation(reporting_org):
    make_activity(reporting_org, "OK")
    output, error = run_validate("--org", REPORTING_ORG_IDENTIFIER)
    assert error is None
    assert "follow the rules and the schema" in output


def test_validate_command_prints_breaches_and_fails(reporting_org):
    split = make_activity(reporting_org, "SPLIT")
    RecipientCountry.objects.create(activity=split, code="BF", percentage=Decimal(60))
    RecipientCountry.objects.create(activity=split, code="NE", percentage=Decimal(30))
    make_activity(
        reporting_org,
        "BACKWARDS",
        planned_start=datetime.date(2025, 1, 1),
        planned_end=datetime.date(2024, 1, 1),
    )
    make_activity(reporting_org, "X", iati_identifier="IT-CF-99999999999-X")

    output, error = run_validate("--org", REPORTING_ORG_IDENTIFIER)

    assert error is not None
    lines = output.splitlines()
    assert (
        f"{REPORTING_ORG_IDENTIFIER}-SPLIT: recipient-country: the percentages of the recipient "
        "countries and regions add up to 90, not 100" in lines
    )
    assert (
        f"{REPORTING_ORG_IDENTIFIER}-BACKWARDS: activity-date[@type='3']: the planned end "
        "(2024-01-01) is before the planned start (2025-01-01)" in lines
    )
    assert any(line.startswith("IT-CF-99999999999-X: iati-identifier: ") for line in lines)


def test_validate_command_lists_activities_left_out_for_lack_of_required_elements(reporting_org):
    make_activity(reporting_org, "OK")
    make_activity(reporting_org, "NOSTATUS", status="")
    out, err = StringIO(), StringIO()
    call_command("iati_validate", "--org", REPORTING_ORG_IDENTIFIER, stdout=out, stderr=err)
    assert "follow the rules and the schema" in out.getvalue()
    assert (
        f"{REPORTING_ORG_IDENTIFIER}-NOSTATUS: left out of the IATI file, it lacks: "
        "activity-status: the activity status is missing"
    ) in err.getvalue().splitlines()
    assert "NOSTATUS" not in out.getvalue()


def test_validate_command_fails_when_no_activity_can_be_published(reporting_org):
    make_activity(reporting_org, "NOSTATUS", status="")
    output, error = run_validate("--org", REPORTING_ORG_IDENTIFIER)
    assert error is not None
    assert "no public activity has every element IATI 2.03 requires" in output


def test_missing_mandatory_lists_only_what_the_schema_requires(reporting_org):
    activity = make_activity(
        reporting_org,
        "BARE",
        title={},
        description={},
        status="",
        planned_start=None,
        planned_end=None,
    )
    activity.participating_orgs.all().delete()
    RecipientCountry.objects.create(activity=activity, code="BF", percentage=Decimal(60))
    RecipientCountry.objects.create(activity=activity, code="NE", percentage=Decimal(30))
    assert [breach.path for breach in missing_mandatory(activity)] == [
        "title",
        "description",
        "participating-org",
        "activity-status",
        "activity-date",
    ]
    # The publication check sees the same breaches, and the rules beyond the schema too.
    assert paths(activity) == [
        "title",
        "description",
        "participating-org",
        "activity-status",
        "activity-date",
        "recipient-country",
    ]


def test_validate_command_fails_on_an_unknown_organisation():
    with pytest.raises(CommandError, match="No reporting organisation"):
        call_command("iati_validate", "--org", "XX-NOPE", stdout=StringIO())
