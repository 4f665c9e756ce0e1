"""What a file states in a value IATI allows empty or "no" comes back as the file gave it.

A secondary reporter stated "0" is written "0" and one left out stays out; a policy marker's
significance given empty (the schema types it as a string) is written empty, not dropped; an empty
comment of a baseline is written back empty; a place's own reference and the activity's
linked-data address come back, given or empty, and stay out when not given; so do contact
entries given empty, and every baseline of an indicator (IATI 2.03 allows several). The export stays valid against the 2.03 schema and
the activity's JSON record says the same.
"""

from __future__ import annotations

import io

import pytest
from django.utils import translation

from opencoop.activities.models import Activity, IndicatorPeriod, PolicyMarker, ResultIndicator
from opencoop.iati.export import activity_document, iter_with_parts
from opencoop.iati.importer import PER_ACTIVITY, import_activity_file
from opencoop.iati.writer import activity_element
from opencoop.opendata.records import Context, activity_data, load_public_data
from tests.opendata.conftest import schema_errors

pytestmark = pytest.mark.django_db

BASE_URL = "https://portal.example.org/"
ACTIVITY = """
 <iati-activity xml:lang="en"{linked}>
  <iati-identifier>XI-EXAMPLE-1-{number}</iati-identifier>
  <reporting-org ref="XI-EXAMPLE-1" type="22"{secondary}>
   <narrative>Example NGO</narrative></reporting-org>
  <title><narrative>A title</narrative></title>
  <description><narrative>A description</narrative></description>
  <participating-org role="4" type="22" ref="XI-EXAMPLE-2"><narrative>Partner</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2024-01-01"/>
  <contact-info type="1">
   <organisation><narrative>Example NGO</narrative></organisation>
   <person-name><narrative/></person-name>
   <telephone>+1 555 0100</telephone>
   <email/>
  </contact-info>
  <recipient-country code="SN" percentage="100"/>
  <location{ref}><name><narrative>A village</narrative></name></location>
  <location><name><narrative>A town</narrative></name></location>
  <sector vocabulary="1" code="15110" percentage="100"/>
  <policy-marker vocabulary="1" code="1" significance=""/>
  <policy-marker vocabulary="1" code="2" significance="0"/>
  <policy-marker vocabulary="1" code="3"/>
  <result type="1">
   <title><narrative>A result</narrative></title>
   <indicator measure="1">
    <title><narrative>An indicator</narrative></title>
    <baseline year="2020" value="0"><comment><narrative></narrative></comment></baseline>
    <baseline year="2022" iso-date="2022-06-30" value="12.5">
     <location ref="VILLAGE-7"/><dimension name="sex" value="female"/>
     <comment><narrative xml:lang="fr">Révisée</narrative></comment>
    </baseline>
    <period>
     <period-start iso-date="2024-01-01"/><period-end iso-date="2024-12-31"/>
     <target value="10"/><target value="12"><comment><narrative>Revised</narrative></comment></target>
     <actual value="4"/><actual value="5"><dimension name="sex" value="male"/></actual>
    </period>
   </indicator>
  </result>
 </iati-activity>"""


def activity_file() -> io.BytesIO:
    activities = ACTIVITY.format(
        number=1, secondary=' secondary-reporter="0"', linked=' linked-data-uri=""', ref=' ref=""'
    ) + ACTIVITY.format(
        number=2,
        secondary="",
        linked=' linked-data-uri="https://example.org/ld/2"',
        ref=' ref="VILLAGE-7"',
    )
    return io.BytesIO(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">'
        f"{activities}\n</iati-activities>\n".encode()
    )


@pytest.fixture
def report():
    with translation.override("en"):
        report = import_activity_file(stream=activity_file(), base_url=BASE_URL, mode=PER_ACTIVITY)
    assert report.applied and not report.skipped, [str(issue) for issue in report.errors]
    return report


def exported(identifier: str):
    """Return the activity (a model instance, for the JSON record) and its exported element."""
    row = next(
        a
        for a in iter_with_parts(Activity.objects.filter(iati_identifier=identifier))
        if a.iati_identifier == identifier
    )
    activity = Activity.objects.get(iati_identifier=identifier)
    return activity, activity_element(row, base_url=BASE_URL)


def test_a_stated_no_and_an_unstated_secondary_reporter_come_back_as_given(report):
    stated = dict(
        Activity.objects.filter(iati_identifier__startswith="XI-EXAMPLE-1-").values_list(
            "iati_identifier", "secondary_reporter"
        )
    )
    assert stated == {"XI-EXAMPLE-1-1": False, "XI-EXAMPLE-1-2": None}
    _activity, first = exported("XI-EXAMPLE-1-1")
    _activity, second = exported("XI-EXAMPLE-1-2")
    assert first.find("reporting-org").attrib.get("secondary-reporter") == "0"
    assert "secondary-reporter" not in second.find("reporting-org").attrib


def test_an_empty_significance_is_kept_apart_from_an_absent_one(report):
    markers = dict(
        PolicyMarker.objects.filter(activity__iati_identifier="XI-EXAMPLE-1-1").values_list(
            "code", "significance"
        )
    )
    assert markers == {"1": "", "2": "0", "3": None}
    # Kept, so not reported as taken as absent.
    assert not any("significance" in issue.element for issue in report.warnings)
    _activity, element = exported("XI-EXAMPLE-1-1")
    written = [(m.get("code"), m.attrib.get("significance")) for m in element.iter("policy-marker")]
    assert written == [("1", ""), ("2", "0"), ("3", None)]


def test_an_empty_baseline_comment_is_written_back_empty(report):
    indicator = ResultIndicator.objects.get(result__activity__iati_identifier="XI-EXAMPLE-1-1")
    assert indicator.baseline_comment == {"en": ""}
    _activity, element = exported("XI-EXAMPLE-1-1")
    [comment] = element.xpath("result/indicator/baseline[1]/comment")
    assert [(n.text, n.get("{http://www.w3.org/XML/1998/namespace}lang")) for n in comment] == [
        (None, "en")
    ]


def test_a_places_reference_and_the_linked_data_address_come_back_as_given(report):
    rows = Activity.objects.filter(iati_identifier__startswith="XI-EXAMPLE-1-").order_by(
        "iati_identifier"
    )
    assert [a.linked_data_uri for a in rows] == ["", "https://example.org/ld/2"]
    assert [[place.ref for place in a.locations.order_by("pk")] for a in rows] == [
        ["", None],
        ["VILLAGE-7", None],
    ]
    # Kept, so not reported as taken as absent.
    assert not any("ref" in issue.element or "linked" in issue.element for issue in report.warnings)
    _activity, first = exported("XI-EXAMPLE-1-1")
    _activity, second = exported("XI-EXAMPLE-1-2")
    assert first.get("linked-data-uri") == ""
    assert second.get("linked-data-uri") == "https://example.org/ld/2"
    assert [place.attrib.get("ref") for place in first.findall("location")] == ["", None]
    assert [place.attrib.get("ref") for place in second.findall("location")] == ["VILLAGE-7", None]


def test_contact_entries_given_empty_are_written_back_empty(report):
    activity = Activity.objects.get(iati_identifier="XI-EXAMPLE-1-1")
    assert (activity.contact_person, activity.contact_email) == ("", "")
    assert activity.contact_empty == ["person-name", "email"]
    _activity, element = exported("XI-EXAMPLE-1-1")
    [contact] = element.iter("contact-info")
    written = [(child.tag, [n.tag for n in child], (child.text or "").strip()) for child in contact]
    assert written == [
        ("organisation", ["narrative"], ""),
        ("person-name", ["narrative"], ""),
        ("telephone", [], "+1 555 0100"),
        ("email", [], ""),
    ]
    assert contact.find("person-name/narrative").text is None
    # An editor's value takes the empty entry's place.
    activity.contact_email = "info@example.org"
    activity.save()
    _activity, element = exported("XI-EXAMPLE-1-1")
    assert [e.text for e in element.iter("email")] == ["info@example.org"]


def test_every_baseline_of_an_indicator_comes_back(report):
    indicator = ResultIndicator.objects.get(result__activity__iati_identifier="XI-EXAMPLE-1-1")
    assert indicator.baseline_year == 2020
    assert indicator.more_baselines == [
        {
            "year": 2022,
            "iso_date": "2022-06-30",
            "value": "12.5",
            "comment": {"fr": "Révisée"},
            "dimensions": [{"name": "sex", "value": "female"}],
            "locations": ["VILLAGE-7"],
        }
    ]
    assert not any(issue.element.endswith("baseline") for issue in report.warnings)
    activity, element = exported("XI-EXAMPLE-1-1")
    baselines = element.xpath("result/indicator/baseline")
    assert [(b.get("year"), b.get("iso-date"), b.get("value")) for b in baselines] == [
        ("2020", None, "0"),
        ("2022", "2022-06-30", "12.5"),
    ]
    assert [child.tag for child in baselines[1]] == ["location", "dimension", "comment"]
    assert baselines[1].findtext("comment/narrative") == "Révisée"
    (loaded,) = load_public_data([activity])
    data = activity_data(loaded, Context.for_language("en", "http://testserver"))
    [shown] = data["results"][0]["indicators"][0]["more_baselines"]
    assert (shown["year"], shown["date"], shown["value"]) == (2022, "2022-06-30", 12.5)
    assert shown["comment"] == {"fr": "Révisée"} and shown["locations"] == ["VILLAGE-7"]


def test_every_target_and_actual_of_a_period_comes_back(report):
    period = IndicatorPeriod.objects.get(
        indicator__result__activity__iati_identifier="XI-EXAMPLE-1-1"
    )
    assert (period.target_value, period.actual_value) == ("10", "4")
    assert period.more_targets == [
        {"value": "12", "comment": {"en": "Revised"}, "dimensions": [], "locations": []}
    ]
    assert period.more_actuals == [
        {
            "value": "5",
            "comment": {},
            "dimensions": [{"name": "sex", "value": "male"}],
            "locations": [],
        }
    ]
    assert not any(issue.element.endswith(("target", "actual")) for issue in report.warnings)
    activity, element = exported("XI-EXAMPLE-1-1")
    [written] = element.xpath("result/indicator/period")
    assert [(child.tag, child.get("value")) for child in written] == [
        ("period-start", None),
        ("period-end", None),
        ("target", "10"),
        ("target", "12"),
        ("actual", "4"),
        ("actual", "5"),
    ]
    assert written[3].findtext("comment/narrative") == "Revised"
    assert written[5].find("dimension").attrib == {"name": "sex", "value": "male"}
    (loaded,) = load_public_data([activity])
    data = activity_data(loaded, Context.for_language("en", "http://testserver"))
    [shown] = data["results"][0]["indicators"][0]["periods"]
    assert [value["value"] for value in shown["more_targets"]] == [12]
    assert [value["dimensions"] for value in shown["more_actuals"]] == [
        [{"name": "sex", "value": "male"}]
    ]


def test_the_export_is_valid_and_the_json_record_says_the_same(report):
    activity, element = exported("XI-EXAMPLE-1-1")
    assert schema_errors(activity_document(element)) == []
    (loaded,) = load_public_data([activity])
    data = activity_data(loaded, Context.for_language("en", "http://testserver"))
    assert data["secondary_reporter"] is False
    assert data["linked_data_uri"] == ""
    assert [place["ref"] for place in data["locations"]] == ["", None]
    # A code's record names it: an empty significance has no name to give, as an absent one.
    assert [marker["significance"] for marker in data["policy_markers"]] == [
        None,
        {"code": "0", "name": "not targeted"},
        None,
    ]
    other, other_element = exported("XI-EXAMPLE-1-2")
    assert schema_errors(activity_document(other_element)) == []
    (loaded,) = load_public_data([other])
    data = activity_data(loaded, Context.for_language("en", "http://testserver"))
    assert data["secondary_reporter"] is None
    assert data["linked_data_uri"] == "https://example.org/ld/2"
    assert [place["ref"] for place in data["locations"]] == ["VILLAGE-7", None]


def test_importing_the_same_file_again_changes_nothing(report):
    again = import_activity_file(stream=activity_file(), base_url=BASE_URL, mode=PER_ACTIVITY)
    assert not again.created and not again.changed
    assert sorted(again.unchanged) == ["XI-EXAMPLE-1-1", "XI-EXAMPLE-1-2"]
