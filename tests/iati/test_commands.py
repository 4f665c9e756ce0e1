"""Tests of the IATI and CRS export commands: output, and one-line errors for bad arguments."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.factories import REPORTING_ORG_IDENTIFIER, make_activity
from tests.opendata.conftest import parse, schema_errors

pytestmark = pytest.mark.django_db


def test_export_to_standard_output(reporting_org):
    make_activity(reporting_org, "A")
    make_activity(reporting_org, "DRAFT", live=False)
    out = StringIO()
    call_command("iati_export", "--org", REPORTING_ORG_IDENTIFIER, stdout=out)
    data = out.getvalue().encode("utf-8")
    assert schema_errors(data) == []
    assert parse(data).xpath("iati-activity/iati-identifier/text()") == [
        f"{REPORTING_ORG_IDENTIFIER}-A"
    ]


def test_export_to_a_file(reporting_org, tmp_path):
    make_activity(reporting_org, "A")
    target = tmp_path / "activities.xml"
    call_command("iati_export", "--org", REPORTING_ORG_IDENTIFIER, "--output", str(target))
    assert parse(target.read_bytes()).xpath("count(iati-activity)") == 1


def test_export_the_organisation_file(reporting_org, tmp_path):
    target = tmp_path / "organisation.xml"
    call_command(
        "iati_export",
        "--org",
        REPORTING_ORG_IDENTIFIER,
        "--organisation",
        "--output",
        str(target),
    )
    data = target.read_bytes()
    assert schema_errors(data, "organisations") == []
    assert parse(data).xpath("iati-organisation/organisation-identifier/text()") == [
        REPORTING_ORG_IDENTIFIER
    ]


def test_export_of_an_unknown_organisation_fails():
    with pytest.raises(CommandError, match="No reporting organisation"):
        call_command("iati_export", "--org", "XX-NOPE", stdout=StringIO())


@pytest.mark.parametrize(
    ("command", "arguments", "message"),
    [
        ("iati_export", ["--output", "{missing}/activities.xml"], "does not exist"),
        ("iati_export", ["--output", "{tmp}"], "this is a folder"),
        ("crs_export", ["--year", "2024", "--output", "{missing}/crs.csv"], "does not exist"),
        ("crs_export", ["--year", "99999"], "a reporting year is between 1950 and 2100"),
        ("crs_export", ["--year", "20x4"], "write the year as four digits"),
    ],
)
def test_bad_arguments_end_with_one_line_naming_the_argument(
    reporting_org, tmp_path, command, arguments, message
):
    make_activity(reporting_org, "A")
    values = [a.format(missing=tmp_path / "missing", tmp=tmp_path) for a in arguments]
    with pytest.raises(CommandError) as raised:
        call_command(command, "--org", REPORTING_ORG_IDENTIFIER, *values, stdout=StringIO())
    text = str(raised.value)
    assert message in text
    assert "\n" not in text
    assert text.startswith("Error: argument --")
    assert list(tmp_path.iterdir()) == []  # nothing half-written
