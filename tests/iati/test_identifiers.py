"""Identifiers with whitespace or / & | ? are refused by the form, the import and iati_validate."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from opencoop.activities.models import Activity
from opencoop.iati.importer import import_activity_file
from opencoop.iati.rules import check_activity
from opencoop.organisations.identifiers import validate_identifier
from tests.factories import REPORTING_ORG_IDENTIFIER, make_activity

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parent.parent / "data" / "iati"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("IT-CF-1 A", "space"),
        ("IT-CF-1\tA", "space"),
        ("IT-CF-1/A", "“/”"),
        ("IT-CF-1&A", "“&”"),
        ("IT-CF-1|A", "“|”"),
        ("IT-CF-1?A", "“?”"),
    ],
)
def test_the_field_refuses_blanks_and_forbidden_characters(value, shown):
    with translation.override("en"):
        with pytest.raises(ValidationError) as raised:
            validate_identifier(value)
        message = raised.value.messages[0]
    assert shown in message
    assert value in message


def test_a_correct_identifier_passes():
    validate_identifier("IT-CF-01307110484-FI.2013.01")


def test_the_message_is_in_italian_for_italian_users():
    with translation.override("it"):
        with pytest.raises(ValidationError) as raised:
            validate_identifier("IT-CF-1 A")
        message = raised.value.messages[0]
    assert "contiene uno spazio" in message


def test_the_import_refuses_an_identifier_with_a_space_and_changes_nothing():
    data = (DATA / "foreign-2.02.xml").read_bytes().replace(b"NGO2-B<", b"NGO2 B<")
    before = Activity.objects.count()
    report = import_activity_file(stream=io.BytesIO(data))
    messages = [(e.identifier, e.message) for e in report.errors]
    assert any(
        identifier == "XI-EXAMPLE-NGO2 B" and "space" in message for identifier, message in messages
    ), messages
    assert Activity.objects.count() == before


def test_iati_validate_names_an_identifier_saved_by_a_script(reporting_org):
    activity = make_activity(reporting_org, "A")
    # A script (or an older version) may have saved what the form now refuses.
    Activity.objects.filter(pk=activity.pk).update(
        iati_identifier=f"{REPORTING_ORG_IDENTIFIER}-A/2"
    )
    activity.refresh_from_db()
    paths = {(b.path, b.message) for b in check_activity(activity)}
    assert (
        "iati-identifier",
        f"“{REPORTING_ORG_IDENTIFIER}-A/2” contains “/”; IATI identifiers may not contain / & | or ?",
    ) in paths
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "iati_validate", "--org", REPORTING_ORG_IDENTIFIER, stdout=out, stderr=io.StringIO()
        )
    assert (
        f"{REPORTING_ORG_IDENTIFIER}-A/2: iati-identifier: “{REPORTING_ORG_IDENTIFIER}-A/2” contains “/”"
        in out.getvalue()
    )
