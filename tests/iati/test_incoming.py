"""Incoming files are checked against the schema of the version they declare, activity by activity."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from opencoop.iati.incoming import UnsupportedVersion, file_problems

DATA = Path(__file__).resolve().parent.parent / "data" / "iati"
CASES = DATA / "schema-tests"
SHOULD_FAIL = sorted(CASES.glob("should-fail/**/*.xml"))
SHOULD_PASS = sorted(CASES.glob("should-pass/**/*.xml"))
STATUS_LINE = 15  # of should-pass/02-minimal-doc.xml


def as_2_03(path: Path) -> bytes:
    """Fill the test case's version placeholder: the cases are written for any 2.0x."""
    return path.read_bytes().replace(b'version="xx"', b'version="2.03"')


def case_id(path: Path) -> str:
    return str(path.relative_to(CASES))


def test_every_case_of_the_official_suite_is_here():
    assert (len(SHOULD_FAIL), len(SHOULD_PASS)) == (225, 58)


@pytest.mark.parametrize("path", SHOULD_FAIL, ids=case_id)
def test_every_should_fail_case_is_refused_with_line_activity_and_path(path):
    try:
        problems = file_problems(as_2_03(path))
    except UnsupportedVersion:  # the case without a version: refused before any activity
        assert b"<iati-activities>" in path.read_bytes()
        return
    assert problems
    for problem in problems:
        assert problem.line > 0
        assert problem.path
        assert problem.message


@pytest.mark.parametrize("path", SHOULD_PASS, ids=case_id)
def test_every_should_pass_case_is_accepted(path):
    assert file_problems(as_2_03(path)) == []


def test_a_repeated_element_is_named_with_its_line_and_position():
    data = as_2_03(CASES / "should-pass" / "02-minimal-doc.xml").replace(
        b"<iati-identifier></iati-identifier>", b"<iati-identifier>XI-EXAMPLE-A</iati-identifier>"
    )
    data = data.replace(
        b'<activity-status code="xx"/>', b'<activity-status code="2"/><activity-status code="3"/>'
    )
    with translation.override("en"):
        problems = file_problems(data)
    assert [(p.line, p.identifier, p.path) for p in problems] == [
        (STATUS_LINE, "XI-EXAMPLE-A", "activity-status[2]")
    ]
    assert "appears once too often" in problems[0].message


def test_the_messages_are_in_the_user_s_language():
    data = (CASES / "should-fail" / "budget").glob("*.xml")
    path = sorted(data)[0]
    with translation.override("it"):
        messages = [p.message for p in file_problems(as_2_03(path))]
    assert messages
    assert all(
        "manca" in m or "non è ammesso" in m or "non conforme" in m or "non è un valore" in m
        for m in messages
    ), messages


def test_a_file_of_each_version_2_is_checked_against_its_own_schema():
    # 2.01 allowed no <tag>; the 2.03 schema would accept it.
    activity = (CASES / "should-pass" / "02-minimal-doc.xml").read_bytes()
    tagged = activity.replace(
        b"</iati-activity>", b'<tag vocabulary="2" code="4"/></iati-activity>', 1
    )
    assert file_problems(tagged.replace(b'version="xx"', b'version="2.03"')) == []
    problems = file_problems(tagged.replace(b'version="xx"', b'version="2.01"'))
    assert [p.path for p in problems] == ["tag"]


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("1.05", "Version 1 is no longer part of the IATI Standard"),
        ("xx", "the portal reads 2.01, 2.02, 2.03"),
    ],
)
def test_an_unreadable_version_is_refused_with_a_clear_message(version, message):
    data = (
        (CASES / "should-pass" / "02-minimal-doc.xml")
        .read_bytes()
        .replace(b'"xx"', f'"{version}"'.encode(), 1)
    )
    with translation.override("en"), pytest.raises(UnsupportedVersion) as raised:
        file_problems(data)
    assert message in str(raised.value)


def test_the_version_message_is_in_italian_for_italian_users():
    data = (
        (CASES / "should-pass" / "02-minimal-doc.xml").read_bytes().replace(b'"xx"', b'"1.03"', 1)
    )
    with translation.override("it"), pytest.raises(UnsupportedVersion) as raised:
        file_problems(data)
    assert "non fa più parte dello standard IATI" in str(raised.value)
