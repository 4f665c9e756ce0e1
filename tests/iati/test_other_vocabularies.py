"""Aid types and tags of every vocabulary are kept, not only OECD DAC's and the SDGs'.

A default-aid-type of the earmarking category (2), the earmarking modality (3) or the cash and
voucher modalities (4), and a tag of AGROVOC (1) or of the reporting organisation's own
vocabulary (99, with its address and narratives) come back in the export as the file gave them,
beside the OECD DAC aid type and the SDG tags; the export stays valid against the 2.03 schema and
importing it again changes nothing. An unknown code of a vocabulary with a codelist is an error.
"""

from __future__ import annotations

import io

import pytest
from django.utils import translation

from opencoop.activities.models import Activity, SdgTag
from opencoop.iati.export import activity_document, iter_with_parts
from opencoop.iati.importer import PER_ACTIVITY, import_activity_file
from opencoop.iati.writer import activity_element
from opencoop.opendata.records import Context, activity_data, load_public_data
from opencoop.opendata.schemas import ActivityOut
from tests.opendata.conftest import schema_errors

pytestmark = pytest.mark.django_db

BASE_URL = "https://portal.example.org/"
IDENTIFIER = "XI-VOCAB-1-1"
ACTIVITY = """
 <iati-activity xml:lang="en">
  <iati-identifier>{identifier}</iati-identifier>
  <reporting-org ref="XI-VOCAB-1" type="22"><narrative>Vocabulary NGO</narrative></reporting-org>
  <title><narrative>A title</narrative></title>
  <description><narrative>A description</narrative></description>
  <participating-org role="4" type="22" ref="XI-VOCAB-2"><narrative>Partner</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2024-01-01"/>
  <recipient-country code="SN" percentage="100"/>
  <sector vocabulary="1" code="15110" percentage="100"/>
  <tag vocabulary="1" code="{agrovoc}"><narrative>Agriculture</narrative></tag>
  <tag vocabulary="2" code="1"/>
  <tag vocabulary="99" vocabulary-uri="https://example.org/tags" code="WATER-7">
   <narrative>Water points</narrative><narrative xml:lang="it">Punti d'acqua</narrative>
  </tag>
  <tag vocabulary="3" code="1.1"/>
  <default-aid-type vocabulary="2" code="{earmarking}"/>
  <default-aid-type code="C01"/>
  <default-aid-type vocabulary="3" code="B"/>
  <default-aid-type vocabulary="4" code="1"/>
 </iati-activity>"""


def activity_file(*, agrovoc: str = "c_8373", earmarking: str = "1") -> io.BytesIO:
    activity = ACTIVITY.format(identifier=IDENTIFIER, agrovoc=agrovoc, earmarking=earmarking)
    return io.BytesIO(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">'
        f"{activity}\n</iati-activities>\n".encode()
    )


def imported(stream: io.BytesIO):
    with translation.override("en"):
        return import_activity_file(stream=stream, base_url=BASE_URL, mode=PER_ACTIVITY)


@pytest.fixture
def report():
    report = imported(activity_file())
    assert report.applied and not report.skipped, [str(issue) for issue in report.errors]
    return report


def exported():
    (activity,) = iter_with_parts(Activity.objects.filter(iati_identifier=IDENTIFIER))
    return activity_element(activity, base_url=BASE_URL)


def test_nothing_of_the_other_vocabularies_is_reported_as_not_kept(report):
    lost = [str(issue) for issue in report.warnings if issue.lost]
    assert not [text for text in lost if "tag" in text or "aid-type" in text], lost


def test_the_other_vocabularies_are_kept_beside_oecd_dac_and_the_sdgs(report):
    activity = Activity.objects.get(iati_identifier=IDENTIFIER)
    assert (activity.default_aid_type, activity.default_aid_type_vocabulary) == ("C01", "")
    assert activity.other_default_aid_types == [
        {"code": "1", "vocabulary": "2"},
        {"code": "B", "vocabulary": "3"},
        {"code": "1", "vocabulary": "4"},
    ]
    assert sorted(SdgTag.objects.filter(activity=activity).values_list("vocabulary", "code")) == [
        ("2", "1"),
        ("3", "1.1"),
    ]
    assert activity.other_tags == [
        {"vocabulary": "1", "code": "c_8373", "narrative": {"en": "Agriculture"}},
        {
            "vocabulary": "99",
            "vocabulary-uri": "https://example.org/tags",
            "code": "WATER-7",
            "narrative": {"en": "Water points", "it": "Punti d'acqua"},
        },
    ]


def test_every_aid_type_and_tag_comes_back_in_a_valid_export(report):
    element = exported()
    aid_types = [dict(e.attrib) for e in element.findall("default-aid-type")]
    assert aid_types == [
        {"code": "C01"},
        {"code": "1", "vocabulary": "2"},
        {"code": "B", "vocabulary": "3"},
        {"code": "1", "vocabulary": "4"},
    ]
    tags = {
        (e.get("vocabulary"), e.get("code")): (
            e.get("vocabulary-uri"),
            [(n.get("{http://www.w3.org/XML/1998/namespace}lang"), n.text) for n in e],
        )
        for e in element.findall("tag")
    }
    assert tags == {
        ("2", "1"): (None, []),
        ("3", "1.1"): (None, []),
        ("1", "c_8373"): (None, [("en", "Agriculture")]),
        ("99", "WATER-7"): (
            "https://example.org/tags",
            [("en", "Water points"), ("it", "Punti d'acqua")],
        ),
    }
    assert schema_errors(activity_document(element)) == []


def test_the_json_record_shows_them(report):
    (loaded,) = load_public_data([Activity.objects.get(iati_identifier=IDENTIFIER)])
    data = activity_data(loaded, Context.for_language("en", "http://testserver"))
    ActivityOut.model_validate(data)
    assert [(tag["vocabulary"], tag["code"], tag["name"]) for tag in data["other_tags"]] == [
        ("1", "c_8373", None),
        ("99", "WATER-7", None),
    ]
    assert data["other_tags"][1]["vocabulary_uri"] == "https://example.org/tags"
    assert data["other_tags"][1]["narrative"] == {"en": "Water points", "it": "Punti d'acqua"}
    aid_types = data["other_default_aid_types"]
    assert [(aid["vocabulary"], aid["code"]) for aid in aid_types] == [
        ("2", "1"),
        ("3", "B"),
        ("4", "1"),
    ]
    # Codes of vocabularies with a codelist are named; earmarking modalities have none here.
    assert aid_types[0]["name"] and aid_types[2]["name"]
    assert aid_types[1]["name"] is None


def test_importing_the_export_again_changes_nothing(report):
    again = imported(io.BytesIO(activity_document(exported())))
    assert again.applied and not again.errors, [str(issue) for issue in again.errors]
    assert not again.created and not again.changed
    assert again.unchanged == [IDENTIFIER]


def test_a_file_without_them_drops_them(report):
    stream = activity_file()
    text = stream.getvalue().decode()
    lines = [line for line in text.splitlines() if 'vocabulary="1" code="c_' not in line]
    lines = [line for line in lines if 'vocabulary="4"' not in line]
    again = imported(io.BytesIO("\n".join(lines).encode()))
    assert again.changed and again.changed[0][0] == IDENTIFIER
    activity = Activity.objects.get(iati_identifier=IDENTIFIER)
    assert [tag["code"] for tag in activity.other_tags] == ["WATER-7"]
    assert [aid["vocabulary"] for aid in activity.other_default_aid_types] == ["2", "3"]


def test_an_unknown_earmarking_category_is_an_error_and_an_agrovoc_code_is_not_checked():
    report = imported(activity_file(agrovoc="anything-goes", earmarking="9"))
    assert [(issue.element, issue.message) for issue in report.errors] == [
        (
            "default-aid-type[@vocabulary='2']/@code",
            "“9” is not a code of the IATI EarmarkingCategory codelist",
        )
    ]
    assert not Activity.objects.filter(iati_identifier=IDENTIFIER).exists()
