"""Hostile and broken files: each refused with a clear message, and not one row changed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Revision

from opencoop.activities.models import Activity, ParticipatingOrg, Sector
from opencoop.iati import reader
from opencoop.iati.importer import import_activity_file
from opencoop.organisations.models import Organisation

pytestmark = pytest.mark.django_db

HOSTILE = Path(__file__).resolve().parent.parent / "data" / "iati" / "hostile"


def rows() -> dict[str, int]:
    models = (Activity, Organisation, Revision, ParticipatingOrg, Sector)
    return {model.__name__: model.objects.count() for model in models}


def refuse(name: str) -> str:
    """Import a hostile file with the command; return its error output."""
    err = io.StringIO()
    with pytest.raises(CommandError, match="Refused, nothing changed"):
        call_command(
            "iati_import", str(HOSTILE / name), "--no-progress", stdout=io.StringIO(), stderr=err
        )
    return err.getvalue()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("malformed.xml", "error: line 6: not well-formed XML: Opening and ending tag mismatch"),
        ("truncated.xml", "error: line 16: not well-formed XML: Premature end of data"),
        (
            "wrong-namespace.xml",
            "error: line 2: the root element <iati-activities> is in the namespace "
            "“http://example.org/not-iati”",
        ),
        ("organisation-file.xml", "error: line 2: this is an IATI organisation file"),
        ("xxe.xml", "error: line 1: the file declares a DOCTYPE"),
        ("billion-laughs.xml", "error: line 1: the file declares a DOCTYPE"),
        ("version-1.xml", "iati-activities/@version: The file declares IATI version 1.05"),
        ("empty.xml", "not well-formed XML"),
        ("not-xml.xml", "error: line 1: not well-formed XML"),
        (
            "bad-code.xml",
            "error: line 31, activity XI-EXAMPLE-MIX-3, sector/@code: “99999” is not a code of "
            "the IATI Sector codelist",
        ),
    ],
)
def test_hostile_files_are_refused_and_nothing_changes(name, message):
    before = rows()
    output = refuse(name)
    assert message in output
    assert rows() == before


def test_good_activities_beside_a_bad_one_are_not_written():
    refuse("bad-code.xml")
    assert not Activity.objects.filter(iati_identifier__startswith="XI-EXAMPLE-MIX").exists()
    assert not Organisation.objects.filter(identifier="XI-EXAMPLE-MIX").exists()


def test_the_complete_activity_before_a_truncation_is_not_written():
    refuse("truncated.xml")
    assert not Activity.objects.filter(iati_identifier="XI-EXAMPLE-CUT-1").exists()


def test_no_local_file_is_read_into_the_report():
    output = refuse("xxe.xml")
    assert "root:" not in output
    report = import_activity_file(stream=(HOSTILE / "xxe.xml").open("rb"))
    assert all("root:" not in str(issue) for issue in report.errors + report.warnings)


@pytest.mark.parametrize("name", ["xxe.xml", "billion-laughs.xml"])
def test_the_parser_refuses_entities_even_without_the_prolog_check(monkeypatch, name):
    """A second guard: lxml sees the DOCTYPE at the root and the reader refuses it."""
    monkeypatch.setattr(reader, "check_prolog", lambda stream: None)
    before = rows()
    report = import_activity_file(stream=(HOSTILE / name).open("rb"))
    assert [str(error) for error in report.errors] == [
        "line 1: the file declares a DOCTYPE: refused for safety"
    ]
    assert rows() == before


def test_a_doctype_after_comments_is_found():
    data = (
        b'<?xml version="1.0"?>\n<!-- a <!DOCTYPE in a comment is fine -->\n'
        + (HOSTILE / "xxe.xml").read_bytes().split(b"?>", 1)[1]
    )
    with pytest.raises(reader.FileRefused, match="declares a DOCTYPE"):
        reader.check_prolog(io.BytesIO(data))
    reader.check_prolog(io.BytesIO(b"<?xml version='1.0'?><!-- <!DOCTYPE x> --><iati-activities/>"))


def test_errors_say_line_activity_and_element():
    report = import_activity_file(stream=(HOSTILE / "bad-code.xml").open("rb"))
    [error] = report.errors
    assert (error.line, error.identifier, error.element) == (31, "XI-EXAMPLE-MIX-3", "sector/@code")
    assert report.read == 4
    assert not report.applied
