"""Real publishers' files (tests/data/iati/publishers): version, schema problems and what they hold.

The folder's README is the one place for each file's version, activities kept and element counts
(the elements issue 16 says an import loses); these tests hold the files to it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation
from lxml import etree

from opencoop.iati.incoming import declared_version, file_problems

PUBLISHERS = Path(__file__).resolve().parent.parent / "data" / "iati" / "publishers"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
WITHOUT_LANG = "narrative without xml:lang"
# Column heading in the README → path from the root.
COUNTED = {
    "location": "iati-activity/location",
    "related-activity": "iati-activity/related-activity",
    "planned-disbursement": "iati-activity/planned-disbursement",
    "transaction/sector": "iati-activity/transaction/sector",
    "transaction/recipient-country": "iati-activity/transaction/recipient-country",
    "result/indicator": "iati-activity/result/indicator",
    "result/indicator/period": "iati-activity/result/indicator/period",
}

MISSING_PERCENTAGE = "the required attribute “percentage” is missing"
# (line, activity identifier, element path, message in English), per file; [] for a valid file.
SCHEMA_PROBLEMS: dict[str, list[tuple[int, str, str, str]]] = {
    # The publisher writes an empty <capital-spend/>: 2.01 requires its percentage.
    "gb-gov-1-dfid-al.xml": [
        (99, "GB-1-109616-101", "capital-spend", MISSING_PERCENTAGE),
        (251, "GB-1-109635-101", "capital-spend", MISSING_PERCENTAGE),
        (454, "GB-1-109635-102", "capital-spend", MISSING_PERCENTAGE),
        (613, "GB-1-109636-101", "capital-spend", MISSING_PERCENTAGE),
        (827, "GB-1-109636-102", "capital-spend", MISSING_PERCENTAGE),
    ],
    "usaid-bo.xml": [],
    "es-maec-indonesia.xml": [],
    "worldbank-679.xml": [],
    "caf-activities.xml": [],
    "who-arg.xml": [],
    "acfspain-ml.xml": [],
}
FILES = sorted(SCHEMA_PROBLEMS)


def readme_table(first_heading: str) -> dict[str, dict[str, str]]:
    """Rows of the README table whose first heading is ``first_heading``, by file name."""
    lines = (PUBLISHERS / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_heading} |"))
    headings = [cell.strip() for cell in lines[start].strip("|").split("|")]
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        row = dict(zip(headings, cells, strict=True))
        rows[row[first_heading].strip("`")] = row
    return rows


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False))


def element_counts(root: etree._Element) -> dict[str, int]:
    found = {heading: len(root.findall(path)) for heading, path in COUNTED.items()}
    found[WITHOUT_LANG] = sum(1 for n in root.iter("narrative") if n.get(XML_LANG) is None)
    return found


def test_every_file_is_described_in_both_readme_tables_and_here():
    on_disk = sorted(path.name for path in PUBLISHERS.glob("*.xml"))
    assert on_disk == FILES
    assert sorted(readme_table("File")) == FILES
    assert sorted(readme_table("Counted in")) == FILES


@pytest.mark.parametrize("name", FILES)
def test_a_publisher_file_declares_the_version_and_activities_the_readme_states(name):
    row = readme_table("File")[name]
    root = parse((PUBLISHERS / name).read_bytes())
    assert root.tag == "iati-activities"
    assert declared_version(root) == row["Version"]
    kept, _original = row["Activities kept / original"].split("/")
    assert len(root.findall("iati-activity")) == int(kept)


@pytest.mark.parametrize("name", FILES)
def test_a_publisher_file_holds_the_elements_the_readme_counts(name):
    row = readme_table("Counted in")[name]
    stated = {heading: int(row[heading]) for heading in [*COUNTED, WITHOUT_LANG]}
    assert element_counts(parse((PUBLISHERS / name).read_bytes())) == stated


@pytest.mark.parametrize("name", FILES)
def test_a_publisher_file_has_exactly_the_schema_problems_written_here(name):
    with translation.override("en"):
        problems = file_problems((PUBLISHERS / name).read_bytes())
    found = [(p.line, p.identifier, p.path, p.message) for p in problems]
    assert found == SCHEMA_PROBLEMS[name]


# What the reader keeps of each counted element: the rows (or row fields) that hold it.
def _transaction_items(records, field: str) -> int:
    return sum(
        len(value) if isinstance(value, list) else bool(value)
        for record in records
        for row in record.children["transactions"]
        for value in [row.fields[field]]
    )


OTHER_IDENTIFIERS = "iati-activity/other-identifier"
KEPT_BY_READER = {
    "location": lambda records: sum(len(r.children["locations"]) for r in records),
    "related-activity": lambda records: sum(len(r.children["related_activities"]) for r in records),
    "planned-disbursement": lambda records: sum(
        len(r.children["planned_disbursements"]) for r in records
    ),
    "transaction/sector": lambda records: _transaction_items(records, "sectors"),
    "transaction/recipient-country": lambda records: _transaction_items(
        records, "recipient_country"
    ),
}


def read_records(name: str) -> list:
    from io import BytesIO

    from opencoop.iati.reader import ActivityFileReader

    data = (PUBLISHERS / name).read_bytes()
    return list(ActivityFileReader(BytesIO(data), fallback_lang="it"))


@pytest.mark.parametrize("name", FILES)
def test_the_reader_keeps_every_location_relation_planned_disbursement_and_classification(name):
    stated = {heading: int(readme_table("Counted in")[name][heading]) for heading in KEPT_BY_READER}
    records = read_records(name)
    kept = {heading: count(records) for heading, count in KEPT_BY_READER.items()}
    assert kept == stated
    stated_identifiers = len(parse((PUBLISHERS / name).read_bytes()).findall(OTHER_IDENTIFIERS))
    assert sum(len(r.children["other_identifiers"]) for r in records) == stated_identifiers
    not_kept = {
        issue.element
        for record in records
        for issue in record.issues
        if issue.level == "warning" and issue.message.startswith("not kept")
    }
    # None of these elements (or their children the portal now keeps) is reported as lost.
    for path in (
        "other-identifier",
        "location",
        "planned-disbursement",
        "transaction/sector",
        "transaction/recipient-country",
        "transaction/aid-type",
        "transaction/flow-type",
        "transaction/finance-type",
        "transaction/tied-status",
        "transaction/disbursement-channel",
    ):
        assert path not in not_kept
    assert not any(element.startswith("related-activity") for element in not_kept)


# Every file, imported activity by activity: what a file's invalid activities hold is compared
# only for the activities that were written.
IMPORTED = FILES
REEXPORTED = ["location", "related-activity", "transaction/sector", "transaction/recipient-country"]
REEXPORTED_PATHS = [*(COUNTED[heading] for heading in REEXPORTED), OTHER_IDENTIFIERS]


@pytest.mark.django_db
@pytest.mark.parametrize("name", IMPORTED)
def test_a_publisher_file_reexported_is_valid_and_keeps_each_counted_element(name):
    from io import BytesIO

    from opencoop.activities.models import Activity
    from opencoop.iati.export import iter_activities_xml
    from opencoop.iati.importer import import_activity_file
    from tests.opendata.conftest import schema_errors

    data = (PUBLISHERS / name).read_bytes()
    report = import_activity_file(
        stream=BytesIO(data), base_url="http://testserver/", mode="per-activity"
    )
    assert report.ok and not report.file_errors, [str(issue) for issue in report.errors]
    exported = b"".join(iter_activities_xml(Activity.objects.all(), base_url="http://testserver/"))
    assert schema_errors(exported) == []
    source, again = parse(data), parse(exported)
    skipped = {activity.identifier for activity in report.skipped}
    for activity in source.findall("iati-activity"):
        if activity.findtext("iati-identifier", "").strip() in skipped:
            source.remove(activity)
    assert len(again.findall("iati-activity")) == len(source.findall("iati-activity"))
    for path in REEXPORTED_PATHS:
        assert len(again.findall(path)) == len(source.findall(path)), path
