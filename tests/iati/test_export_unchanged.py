"""The IATI files the portal writes today, pinned: a change to the mapping must not change them.

The Florence demo's activities and organisation file, a small generated authority and an
activity with every part the portal writes (with a hidden partner and a parent) are
compared byte for byte with the golden files in ``tests/data/iati/golden/`` once the date-times
the export takes from the clock (or from when the data was loaded) are blanked. Regenerate the
golden files only for a change meant to alter the output: ``UPDATE_GOLDEN=1 pytest <this file>``.
"""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

import pytest
from lxml import etree

from opencoop.activities.models import Activity, Location
from opencoop.demo.generator import authority_spec, generate
from opencoop.demo.loader import load_demo
from opencoop.iati.export import (
    activities_for_export,
    iter_activities_xml,
    iter_organisation_xml,
    iter_with_parts,
    reporting_org_activities,
    values_of,
)
from opencoop.iati.rules import missing_mandatory
from opencoop.iati.writer import IATI_VERSION, activity_element
from opencoop.organisations.models import Organisation
from tests.factories import make_activity, make_dataset, make_full_activity

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "iati" / "golden"
BASE_URL = "http://testserver/"
FLORENCE = "IT-CF-01307110484"
# Attributes whose value is a moment of the test run, not a fact of the data.
CLOCK_ATTRIBUTES = re.compile(rb'((?:last-updated|generated)-datetime)="[^"]*"')
# Wagtail documents are served under their primary key, which depends on the database's sequence.
DOCUMENT_KEYS = re.compile(rb"/documents/\d+/")


def normalised(data: bytes) -> bytes:
    """Blank what depends on the clock or on primary keys."""
    data = CLOCK_ATTRIBUTES.sub(rb'\1="-"', data)
    return DOCUMENT_KEYS.sub(b"/documents/-/", data)


def every_activity_xml(organisation: Organisation) -> bytes:
    """Write every public activity of ``organisation``, complete or not, as one document.

    The demo as shipped lacks what IATI requires of each activity, so the export leaves them all
    out; the writer's output for each is what is pinned here.
    """
    root = etree.Element("iati-activities", version=IATI_VERSION)
    for activity in activities_for_export(reporting_org_activities(organisation)):
        root.append(activity_element(activity, base_url=BASE_URL))
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def organisation_xml(organisation: Organisation) -> bytes:
    return b"".join(iter_organisation_xml(organisation, base_url=BASE_URL))


def assert_golden(name: str, data: bytes) -> None:
    path = GOLDEN / name
    data = normalised(data)
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_bytes(data)
    assert data == path.read_bytes(), f"{name} differs from the golden file {path}"


def test_florence_demo_files_are_unchanged():
    load_demo()
    florence = Organisation.objects.get(identifier=FLORENCE)

    assert_golden("florence-activities.xml", every_activity_xml(florence))
    assert_golden("florence-organisation.xml", organisation_xml(florence))


def test_generated_authority_files_are_unchanged():
    generate(activities=40, seed=15, pages=False, index=False)
    authority = Organisation.objects.get(identifier=authority_spec(0).identifier)
    activities = reporting_org_activities(authority)

    assert_golden("generated-activities.xml", every_activity_xml(authority))
    # The streamed file (parts fetched per chunk), holding the complete activities only.
    assert_golden(
        "generated-activities-file.xml",
        b"".join(iter_activities_xml(activities, base_url=BASE_URL)),
    )
    assert_golden("generated-organisation.xml", organisation_xml(authority))


def test_activity_with_every_part_is_unchanged(reporting_org):
    activity = make_full_activity(reporting_org)

    assert_golden(
        "full-activity.xml",
        b"".join(iter_activities_xml(Activity.objects.filter(pk=activity.pk), base_url=BASE_URL)),
    )


def test_the_file_reads_rows_that_write_what_model_instances_write(reporting_org):
    """The file reads each activity and its parts as plain rows (for speed); the single-activity
    pages and the checks read model instances. Both must give the same element, byte for byte,
    and the same verdict of the rules, hidden partners, hidden places and embargoes included."""
    make_dataset(reporting_org)
    generate(activities=20, seed=15, pages=False, index=False)
    first = Activity.objects.get(iati_identifier__endswith="-FULL")
    embargoed = make_activity(
        reporting_org,
        "FULL-EMBARGOED-CHILD",
        parent=first,
        embargo_until=datetime.date.today() + datetime.timedelta(days=30),
    )
    everything = Activity.objects.all()

    instances = {a.pk: a for a in activities_for_export(everything)}
    rows = list(iter_with_parts(everything))

    assert sorted(row.pk for row in rows) == sorted(instances) and len(rows) > 25
    assert embargoed.pk not in instances
    for row in rows:
        instance = instances[row.pk]
        written = etree.tostring(activity_element(row, base_url=BASE_URL))
        assert written == etree.tostring(activity_element(instance, base_url=BASE_URL))
        assert missing_mandatory(row) == missing_mandatory(instance)
        assert embargoed.iati_identifier.encode() not in written


def test_json_columns_read_as_values_are_what_django_reads(reporting_org):
    """The file decodes the JSON columns of many rows at once; each value must be the one
    Django's own reading gives, whatever the text holds (commas, brackets, quotes, escapes)."""
    activity = make_activity(reporting_org, "JSON-VALUES")
    tricky = {"it": 'a "quoted", [bracketed] {braced} text', "en": "caf\u00e9 \\ \n"}
    for name, description, location_ids, administrative in (
        ({}, {}, [], []),
        (tricky, {"en": ""}, [{"vocabulary": "G1", "code": "1"}], [{"code": "X", "level": 1}]),
        ({"it": "],["}, "a text alone", [None, 1.5, True], {"not": ["a", "list"]}),
    ):
        Location.objects.create(
            activity=activity,
            name=name,
            description=description,
            location_ids=location_ids,
            administrative=administrative,
        )
    rows = Location.objects.filter(activity=activity).order_by("pk")
    names = ("id", "name", "description", "location_ids", "administrative")

    assert list(values_of(rows, names)) == list(rows.values(*names))
    assert list(values_of(rows, names, stream=True)) == list(rows.values(*names))
