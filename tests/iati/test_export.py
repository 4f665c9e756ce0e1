"""Tests of the IATI activity file: schema validity, the mapped values, streaming."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from opencoop.activities.models import Activity
from opencoop.demo.generator import generate
from opencoop.demo.loader import load_demo
from opencoop.iati import export, writer
from opencoop.iati.export import (
    NothingToPublish,
    activities_for_export,
    activity_document,
    iter_activities_xml,
    iter_organisation_xml,
    reporting_org_activities,
)
from opencoop.iati.rules import ERROR, WARNING, check_activity, missing_mandatory
from opencoop.iati.writer import activity_element
from opencoop.iati.xsd import SCHEMA_DIR
from opencoop.organisations.models import Organisation
from tests.factories import (
    PARTNER_IDENTIFIER,
    REPORTING_ORG_IDENTIFIER,
    SECRET_PARTNER_NAME,
    add_every_iati_element,
    make_activity,
    make_dataset,
    make_full_activity,
)
from tests.opendata.conftest import OFFICIAL_SCHEMA_DIR, parse, schema_errors

pytestmark = pytest.mark.django_db

FLORENCE = "IT-CF-01307110484"
BASE_URL = "http://testserver/"
# The schema's sequence of iati-activity children, as far as the portal writes them.
ACTIVITY_SEQUENCE = [
    "iati-identifier",
    "reporting-org",
    "title",
    "description",
    "participating-org",
    "other-identifier",
    "activity-status",
    "activity-date",
    "contact-info",
    "recipient-country",
    "recipient-region",
    "location",
    "sector",
    "tag",
    "policy-marker",
    "collaboration-type",
    "default-flow-type",
    "default-finance-type",
    "default-aid-type",
    "default-tied-status",
    "budget",
    "planned-disbursement",
    "transaction",
    "document-link",
    "related-activity",
    "result",
]
# What the schema requires and the Florence demo does not state (see the demo file's header).
FACTS_THE_DEMO_LEAVES_OUT = {"description", "activity-status", "activity-date"}


def export_bytes(activities, base_url: str = BASE_URL) -> bytes:
    return b"".join(iter_activities_xml(activities, base_url=base_url))


def florence_activities():
    return reporting_org_activities(Organisation.objects.get(identifier=FLORENCE))


# (a) The Florence demo ----------------------------------------------------------------------------
@pytest.mark.skipif(not OFFICIAL_SCHEMA_DIR.is_dir(), reason="no official schemas here")
def test_shipped_schemas_are_the_official_ones():
    for path in OFFICIAL_SCHEMA_DIR.glob("*.xsd"):
        assert (SCHEMA_DIR / path.name).read_bytes() == path.read_bytes(), path.name


def test_demo_export_validates_once_the_facts_it_leaves_out_are_given():
    load_demo()
    activities = Activity.objects.filter(reporting_org__identifier=FLORENCE)
    # Test data only: the demo states no status, dates or descriptions; IATI requires them.
    for activity in activities:
        activity.status = "2"
        activity.planned_start = datetime.date(2013, 1, 1)
        activity.description = {"en": "Description given by the test."}
        activity.save()

    data = export_bytes(florence_activities())

    assert schema_errors(data) == []
    root = parse(data)
    identifiers = root.xpath("iati-activity/iati-identifier/text()")
    assert len(identifiers) == activities.count() == 13
    assert all(identifier.startswith(FLORENCE + "-") for identifier in identifiers)
    # Hidden exact places: Baghdad is in the demo, but its activity hides exact locations.
    baghdad = root.xpath("iati-activity[iati-identifier='IT-CF-01307110484-DAR-AL-KUTUB-BAGHDAD']")[
        0
    ]
    assert baghdad.xpath("location") == []
    assert baghdad.xpath("recipient-country/@code") == ["IQ"]
    # A French title in the demo comes out with its language.
    tabalak = root.xpath("iati-activity[iati-identifier='IT-CF-01307110484-TABALAK-NIGER']")[0]
    assert tabalak.xpath("title/narrative/@xml:lang") == ["it", "en", "fr"]


def test_the_rules_say_exactly_why_each_demo_activity_is_not_valid_iati():
    load_demo()
    checked = 0
    for activity in activities_for_export(florence_activities()):
        missing = {breach.path for breach in missing_mandatory(activity)}
        errors = schema_errors(activity_document(activity_element(activity, base_url=BASE_URL)))
        assert missing == FACTS_THE_DEMO_LEAVES_OUT, activity.iati_identifier
        assert errors, activity.iati_identifier
        checked += 1
    assert checked == 13


def test_demo_as_shipped_has_no_activity_file_and_lists_what_each_activity_lacks(client):
    load_demo()
    err = StringIO()
    with pytest.raises(CommandError, match=r"no public activity has every element IATI 2\.03"):
        call_command("iati_export", "--org", FLORENCE, stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert len(lines) == 13
    for line in lines:
        identifier, _, lacks = line.partition(": left out of the IATI file, it lacks: ")
        assert identifier.startswith(FLORENCE + "-")
        assert [part.split(":")[0] for part in lacks.split("; ")] == [
            "description",
            "activity-status",
            "activity-date",
        ]
    response = client.get(reverse("opendata:iati-activities", args=[FLORENCE]))
    assert response.status_code == 404
    organisation = b"".join(iter_organisation_xml(Organisation.objects.get(identifier=FLORENCE)))
    assert schema_errors(organisation, "organisations") == []
    assert b"left out" not in organisation


def test_demo_export_holds_the_complete_activities_valid_and_reports_the_others(tmp_path):
    load_demo()
    # Test data only: the demo states no status, dates or description for any activity.
    tabalak = Activity.objects.get(iati_identifier=f"{FLORENCE}-TABALAK-NIGER")
    tabalak.status = "2"
    tabalak.planned_start = datetime.date(2013, 1, 1)
    tabalak.description = {"en": "Description given by the test."}
    tabalak.save()
    target = tmp_path / "florence.xml"
    err = StringIO()

    call_command(
        "iati_export", "--org", FLORENCE, "--output", str(target), stdout=StringIO(), stderr=err
    )

    data = target.read_bytes()
    assert schema_errors(data) == []
    assert parse(data).xpath("iati-activity/iati-identifier/text()") == [tabalak.iati_identifier]
    reported = [line.split(":")[0] for line in err.getvalue().splitlines()]
    assert len(reported) == 12
    assert tabalak.iati_identifier not in reported
    assert not (tmp_path / "florence.xml.part").exists()


@pytest.mark.parametrize(
    ("remove", "path"),
    [
        ({"description": {}, "objectives": {}, "target_groups": {}}, "description"),
        ({"status": ""}, "activity-status"),
        (
            {"planned_start": None, "actual_start": None, "planned_end": None, "actual_end": None},
            "activity-date",
        ),
        ({"title": {}}, "title"),
        ({"participants": True}, "participating-org"),
        ({"org_type": ""}, "reporting-org/@type"),
        ({"result_title": {}}, "result[1]/title"),
    ],
)
def test_what_the_rules_call_missing_is_what_the_schema_requires(reporting_org, remove, path):
    activity = make_full_activity(reporting_org)
    assert missing_mandatory(activity) == []
    assert schema_errors(activity_document(activity_element(activity))) == []
    if "participants" in remove:
        activity.participating_orgs.all().delete()
    elif "org_type" in remove:
        reporting_org.type = ""
        reporting_org.save()
    elif "result_title" in remove:
        activity.results.update(title={})
    else:
        Activity.objects.filter(pk=activity.pk).update(**remove)
    activity = Activity.objects.get(pk=activity.pk)

    assert [breach.path for breach in missing_mandatory(activity)] == [path]
    assert schema_errors(activity_document(activity_element(activity))) != []
    with pytest.raises(NothingToPublish):
        iter_activities_xml(Activity.objects.filter(pk=activity.pk))


# (b) An activity with every part --------------------------------------------------------------
@pytest.fixture
def full_activity(reporting_org):
    return make_full_activity(reporting_org)


@pytest.fixture
def full_xml(full_activity):
    data = export_bytes(Activity.objects.filter(pk=full_activity.pk))
    return data


@pytest.fixture
def full(full_xml):
    return parse(full_xml).xpath("iati-activity")[0]


def test_full_activity_validates_against_the_schema(full_xml):
    assert schema_errors(full_xml) == []


def test_full_activity_follows_the_iati_rules(full_activity):
    breaches = check_activity(full_activity, today=datetime.date(2026, 1, 1))
    assert [b for b in breaches if b.level == ERROR] == []
    assert [(b.path, b.level) for b in breaches] == [("document-link[3]", WARNING)]


def test_document_root_and_activity_attributes(full_xml, full):
    root = parse(full_xml)
    assert root.tag == "iati-activities"
    assert root.get("version") == "2.03"
    datetime.datetime.fromisoformat(root.get("generated-datetime"))
    assert full.get("default-currency") == "EUR"
    assert full.get("{http://www.w3.org/XML/1998/namespace}lang") == "it"
    assert full.get("hierarchy") == "2"
    datetime.datetime.fromisoformat(full.get("last-updated-datetime"))


def test_children_follow_the_schema_sequence(full):
    tags = [child.tag for child in full]
    positions = [ACTIVITY_SEQUENCE.index(tag) for tag in tags]
    assert positions == sorted(positions)
    assert set(tags) == set(ACTIVITY_SEQUENCE)


def test_identification_and_texts(full):
    assert full.xpath("iati-identifier/text()") == [f"{REPORTING_ORG_IDENTIFIER}-FULL"]
    assert full.xpath("reporting-org/@ref") == [REPORTING_ORG_IDENTIFIER]
    assert full.xpath("reporting-org/@type") == ["11"]
    assert full.xpath("reporting-org/narrative[@xml:lang='en']/text()") == ["Municipality of Prova"]
    assert full.xpath("title/narrative/@xml:lang") == ["it", "en", "fr"]
    assert full.xpath("title/narrative[@xml:lang='fr']/text()") == [
        "Eau et coopératives à Ouagadougou et Niamey"
    ]
    assert full.xpath("description/@type") == ["1", "2", "3"]
    assert full.xpath("description[@type='1']/narrative/@xml:lang") == ["it", "en", "fr"]
    assert full.xpath("description[@type='2']/narrative[@xml:lang='en']/text()") == [
        "Access to drinking water."
    ]


def test_participants_status_dates_and_contact(full):
    assert full.xpath("participating-org/@role") == ["1", "4"]
    assert full.xpath("participating-org[@role='4']/@ref") == [PARTNER_IDENTIFIER]
    assert full.xpath("participating-org[@role='4']/@type") == ["22"]
    assert full.xpath("participating-org[@role='4']/narrative[@xml:lang='it']/text()") == [
        "Cooperativa Wend-Panga"
    ]
    assert full.xpath("activity-status/@code") == ["2"]
    dates = {d.get("type"): d.get("iso-date") for d in full.xpath("activity-date")}
    assert dates == {
        "1": "2024-01-01",
        "2": "2024-02-01",
        "3": "2025-12-31",
        "4": "2025-12-15",
    }
    contact = full.xpath("contact-info")[0]
    assert [child.tag for child in contact] == [
        "organisation",
        "person-name",
        "telephone",
        "email",
        "website",
    ]
    assert contact.xpath("person-name/narrative/text()") == ["Anna Rossi"]
    assert contact.xpath("email/text()") == ["cooperazione@example.org"]


def test_geography(full):
    countries = {c.get("code"): c.get("percentage") for c in full.xpath("recipient-country")}
    assert countries == {"BF": "60", "NE": "40"}
    region = full.xpath("recipient-region")[0]
    assert (region.get("code"), region.get("vocabulary"), region.get("percentage")) == (
        "011",
        "2",
        None,
    )
    locations = full.xpath("location")
    assert len(locations) == 3
    first = locations[0]
    assert first.xpath("name/narrative[@xml:lang='en']/text()") == ["Ouagadougou"]
    assert first.xpath("description/narrative[@xml:lang='en']/text()") == ["Tanghin district"]
    assert first.xpath("point/@srsName") == ["http://www.opengis.net/def/crs/EPSG/0/4326"]
    assert first.xpath("point/pos/text()") == ["12.3714 -1.5197"]
    assert first.xpath("exactness/@code") == ["1"]
    assert first.xpath("location-reach/@code") == ["1"]
    assert first.xpath("administrative[@vocabulary='A4']/@code") == ["BF"]
    assert locations[1].xpath("exactness/@code") == ["2"]
    assert locations[1].xpath("name/narrative/@xml:lang") == ["it", "en", "fr"]
    # A place without a name, known by its gazetteer entry and areas, in the schema's order.
    unnamed = locations[2]
    assert [child.tag for child in unnamed] == [
        "location-reach",
        "location-id",
        "administrative",
        "administrative",
        "exactness",
        "location-class",
        "feature-designation",
    ]
    assert unnamed.xpath("location-id/@vocabulary") == ["G1"]
    assert unnamed.xpath("location-id/@code") == ["2357048"]
    assert unnamed.xpath("administrative[@vocabulary='G1']/@level") == ["1"]
    assert unnamed.xpath("administrative[@vocabulary='G1']/@code") == ["2597261"]
    assert unnamed.xpath("location-class/@code") == ["2"]
    assert unnamed.xpath("feature-designation/@code") == ["PPL"]


def test_other_identifiers(full):
    (other,) = full.xpath("other-identifier")
    assert (other.get("ref"), other.get("type")) == ("WP-2024-07", "A9")
    assert other.xpath("owner-org/@ref") == [PARTNER_IDENTIFIER]
    assert other.xpath("owner-org/narrative[@xml:lang='en']/text()") == ["Wend-Panga Cooperative"]


def test_planned_disbursements_and_transaction_classifications(full):
    (planned,) = full.xpath("planned-disbursement")
    assert planned.get("type") == "1"
    assert [child.tag for child in planned] == [
        "period-start",
        "period-end",
        "value",
        "provider-org",
        "receiver-org",
    ]
    assert planned.xpath("value/text()") == ["25000"]
    assert planned.xpath("value/@value-date") == ["2024-04-15"]
    assert planned.xpath("receiver-org/@ref") == [PARTNER_IDENTIFIER]
    assert planned.xpath("receiver-org/@receiver-activity-id") == [f"{PARTNER_IDENTIFIER}-WELLS"]
    first, second = full.xpath("transaction")
    assert [child.tag for child in first][5:] == [
        "disbursement-channel",
        "sector",
        "recipient-country",
        "flow-type",
        "finance-type",
        "aid-type",
        "aid-type",
        "tied-status",
    ]
    assert first.xpath("receiver-org/@receiver-activity-id") == [f"{PARTNER_IDENTIFIER}-WELLS"]
    assert first.xpath("sector/@code") == ["14030"]
    assert first.xpath("aid-type/@code") == ["C01", "1"]
    assert first.xpath("aid-type/@vocabulary") == ["2"]
    assert second.xpath("recipient-region/@code") == ["289"]
    assert second.xpath("recipient-country") == []


def test_classifications(full):
    dac = {s.get("code"): s.get("percentage") for s in full.xpath("sector[@vocabulary='1']")}
    assert dac == {"14030": "60", "32161": "40"}
    assert full.xpath("sector[@vocabulary='2']/@code") == ["140"]
    assert full.xpath("tag[@vocabulary='2']/@code") == ["6"]
    assert full.xpath("tag[@vocabulary='3']/@code") == ["6.1"]
    marker = full.xpath("policy-marker")[0]
    assert (marker.get("vocabulary"), marker.get("code"), marker.get("significance")) == (
        "1",
        "1",
        "1",
    )
    assert full.xpath("collaboration-type/@code") == ["1"]
    assert full.xpath("default-flow-type/@code") == ["10"]
    assert full.xpath("default-finance-type/@code") == ["110"]
    assert full.xpath("default-aid-type/@code") == ["C01"]
    assert full.xpath("default-tied-status/@code") == ["5"]


def test_budgets_and_transactions(full):
    first, second = full.xpath("budget")
    assert (first.get("type"), first.get("status")) == ("1", "2")
    assert first.xpath("period-start/@iso-date") == ["2024-01-01"]
    assert first.xpath("period-end/@iso-date") == ["2024-12-31"]
    assert first.xpath("value/text()") == ["50000"]
    # IATI requires a value date: the period start stands in when none was entered.
    assert first.xpath("value/@value-date") == ["2024-01-01"]
    assert first.xpath("value/@currency") == []
    assert second.xpath("value/@value-date") == ["2025-02-01"]
    assert second.xpath("value/@currency") == ["EUR"]

    commitment, disbursement = full.xpath("transaction")
    assert commitment.xpath("transaction-type/@code") == ["2"]
    assert commitment.xpath("transaction-date/@iso-date") == ["2024-02-15"]
    assert commitment.xpath("value/text()") == ["90000"]
    assert commitment.xpath("value/@value-date") == ["2024-02-15"]
    assert commitment.xpath("provider-org/@ref") == [REPORTING_ORG_IDENTIFIER]
    assert commitment.xpath("receiver-org/@ref") == [PARTNER_IDENTIFIER]
    assert commitment.xpath("receiver-org/narrative[@xml:lang='en']/text()") == [
        "Wend-Panga Cooperative"
    ]
    assert disbursement.xpath("description/narrative[@xml:lang='en']/text()") == [
        "First instalment"
    ]


def test_documents_related_activities_and_results(full, full_activity):
    links = full.xpath("document-link")
    # The third document has only a title: IATI requires a url, so it is left out.
    assert len(links) == 2
    assert links[0].get("url") == "https://example.org/docs/project.pdf"
    assert links[0].get("format") == "application/pdf"
    assert links[0].xpath("category/@code") == ["A02"]
    assert links[0].xpath("language/@code") == ["it"]
    assert links[0].xpath("document-date/@iso-date") == ["2024-01-15"]
    assert links[1].get("url").startswith("http://testserver/documents/")
    assert links[1].get("url").endswith("/report.pdf")
    assert links[1].xpath("title/narrative[@xml:lang='en']/text()") == ["Report"]

    # The parent and child come once each though the activity also states them; the sibling
    # is published elsewhere.
    related = [(r.get("type"), r.get("ref")) for r in full.xpath("related-activity")]
    assert related == [
        ("1", f"{REPORTING_ORG_IDENTIFIER}-FULL-PROGRAMME"),
        ("2", f"{REPORTING_ORG_IDENTIFIER}-FULL-CHILD"),
        ("3", f"{PARTNER_IDENTIFIER}-WELLS"),
    ]

    result, beneficiaries = full.xpath("result")
    assert result.get("type") == "1"
    assert result.xpath("title/narrative[@xml:lang='en']/text()") == ["Wells built"]
    indicator = result.xpath("indicator")[0]
    assert (indicator.get("measure"), indicator.get("ascending")) == ("1", "1")
    assert indicator.xpath("title/narrative[@xml:lang='en']/text()") == ["Number of wells"]
    assert indicator.xpath("baseline/@year") == ["2023"]
    assert indicator.xpath("baseline/@value") == ["2"]
    assert indicator.xpath("period/period-start/@iso-date") == ["2024-01-01"]
    assert indicator.xpath("period/target/@value") == ["12"]
    assert indicator.xpath("period/actual/@value") == ["10"]

    assert beneficiaries.xpath("title/narrative[@xml:lang='it']/text()") == ["Beneficiari"]
    people = beneficiaries.xpath("indicator")[0]
    assert people.xpath("title/narrative[@xml:lang='en']/text()") == ["Cooperative members"]
    assert people.xpath("period/period-start/@iso-date") == ["2024-01-01"]
    assert people.xpath("period/period-end/@iso-date") == ["2024-12-31"]
    assert people.xpath("period/actual[not(dimension)]/@value") == ["120"]
    assert people.xpath("period/actual[dimension[@name='sex'][@value='female']]/@value") == ["70"]
    assert people.xpath("period/actual[dimension[@name='sex'][@value='male']]/@value") == ["50"]


def test_parent_is_hierarchy_one_and_lists_its_public_children_only(full_activity):
    parent = full_activity.parent
    make_activity(full_activity.reporting_org, "DRAFT-CHILD", parent=parent, live=False)
    root = parse(export_bytes(Activity.objects.filter(pk=parent.pk)))
    activity = root.xpath("iati-activity")[0]
    assert activity.get("hierarchy") == "1"
    assert activity.xpath("related-activity[@type='2']/@ref") == [
        f"{REPORTING_ORG_IDENTIFIER}-FULL"
    ]


def test_embargoed_parent_is_not_named(full_activity):
    parent = full_activity.parent
    parent.embargo_until = timezone.localdate() + datetime.timedelta(days=30)
    parent.save()
    root = parse(export_bytes(Activity.objects.filter(pk=full_activity.pk)))
    assert root.xpath("iati-activity/related-activity[@type='1']") == []
    assert b"PROGRAMME" not in export_bytes(Activity.objects.filter(pk=full_activity.pk))


# (e) Streaming -----------------------------------------------------------------------------------
def test_generator_yields_a_piece_per_activity(reporting_org):
    for suffix in ("A", "B", "C"):
        make_activity(reporting_org, suffix)
    chunks = list(iter_activities_xml(reporting_org_activities(reporting_org), base_url=""))
    assert len(chunks) == 5  # header, three activities, closing tag
    assert chunks[0].startswith(b"<?xml")
    assert b"<iati-activities" in chunks[0] and b"<iati-activity " not in chunks[0]
    assert all(chunk.count(b"<iati-activity ") == 1 for chunk in chunks[1:4])
    assert chunks[-1].strip() == b"</iati-activities>"
    assert schema_errors(b"".join(chunks)) == []


def test_activities_are_read_in_chunks(reporting_org, monkeypatch):
    monkeypatch.setattr(export, "CHUNK_SIZE", 2)
    for number in range(5):
        make_activity(reporting_org, f"C{number}")
    root = parse(export_bytes(reporting_org_activities(reporting_org)))
    assert root.xpath("iati-activity/iati-identifier/text()") == [
        f"{REPORTING_ORG_IDENTIFIER}-C{number}" for number in range(5)
    ]


def test_queries_do_not_grow_with_the_number_of_activities(reporting_org):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            export_bytes(reporting_org_activities(reporting_org))
        return len(queries)

    partner = make_full_activity(reporting_org).participating_orgs.get(role="4").organisation
    few = count_queries()
    make_full_activity(reporting_org, partner=partner, suffix="FULL2")
    make_full_activity(reporting_org, partner=partner, suffix="FULL3")
    assert reporting_org_activities(reporting_org).count() == 9
    assert count_queries() == few


def test_an_organisation_renamed_between_two_files_is_named_anew(reporting_org):
    """Organisation elements are built once and copied within a file; a later file written
    after the organisation is renamed must name it as it is now, in every place it appears."""
    make_activity(reporting_org, "RENAMED")
    before = parse(export_bytes(reporting_org_activities(reporting_org)))
    reporting_org.name = {"it": "Comune rinominato", "en": "Renamed municipality"}
    reporting_org.save()

    after = parse(export_bytes(reporting_org_activities(reporting_org)))

    named = "iati-activity/{}/narrative[@xml:lang='en']/text()"
    assert "Renamed municipality" not in before.xpath(named.format("reporting-org"))
    assert after.xpath(named.format("reporting-org")) == ["Renamed municipality"]
    funders = after.xpath(named.format(f"participating-org[@ref='{REPORTING_ORG_IDENTIFIER}']"))
    assert funders and set(funders) == {"Renamed municipality"}


def test_narratives_follow_the_portal_languages_as_they_are_now():
    """The order of a text's languages (the default, the portal's, then A-Z) is worked out once
    per set of languages; a change of the portal's languages must change it."""
    text = {"de": "Titel", "it": "Titolo", "en": "Title", "fr": "Titre"}

    def languages_written() -> list[str]:
        out = writer.XmlText()
        out.start("title")
        writer.narratives(out, text, "fr")
        out.end()
        return [narrative.get(writer.XML_LANG) for narrative in writer.parsed(out.value())]

    with override_settings(LANGUAGES=[("en", "English"), ("it", "Italiano")]):
        assert languages_written() == ["fr", "en", "it", "de"]
    with override_settings(LANGUAGES=[("it", "Italiano"), ("en", "English")]):
        assert languages_written() == ["fr", "it", "en", "de"]


def test_narratives_leave_out_empty_texts_and_characters_xml_cannot_hold():
    out = writer.XmlText()
    out.start("title")

    written = writer.narratives(
        out, {"it": "  ", "en": " Water\x01 supply ", "es": "", "fr": 12}, "it"
    )
    out.end()
    holder = writer.parsed(out.value())

    assert written == 2
    assert [(n.get(writer.XML_LANG), n.text) for n in holder] == [
        ("en", "Water supply"),
        ("fr", "12"),
    ]


# (c) The writer's text is what lxml writes -------------------------------------------------------
# Texts and codes that libxml2 escapes, or that XML cannot hold, or that are not ASCII.
HOSTILE_TEXTS = [
    "plain",
    "",
    "quotes \" and ' apostrophes",
    "a < b > c & d &amp; e",
    "tab\tnew line\ncarriage return\r end",
    "\r\n",
    " spaces around ",
    "àèìòù € 中文 😀 \u2028 \x85 \x7f",
    "control \x01\x08\x0b\x0c\x1f characters",
    "surrogate-free \ufffd replacement",
    "]]> and <![CDATA[ x ]]>",
]


@pytest.mark.parametrize("value", HOSTILE_TEXTS)
def test_the_writer_escapes_attributes_and_texts_as_libxml2_does(value):
    element = etree.Element("x", {"a": writer.xml_text(value)})
    element.text = writer.xml_text(value)
    out = writer.XmlText()
    out.text("x", writer.xml_text(value), f' a="{writer.attribute_text(value)}"')

    assert out.value().encode() == etree.tostring(element, encoding="utf-8")
    assert writer.parsed(out.value()).get("a") == writer.xml_text(value)


def test_an_empty_element_is_closed_as_lxml_closes_it():
    out = writer.XmlText(pretty=True)
    out.start("a")
    out.start("b", ' c="1"')
    out.end()
    out.text("c", "")
    out.start("d")
    out.empty("e")
    out.end()
    out.end()

    tree = etree.Element("a")
    etree.SubElement(tree, "b", c="1")
    etree.SubElement(tree, "c").text = ""
    etree.SubElement(etree.SubElement(tree, "d"), "e")
    assert out.value() == etree.tostring(tree, encoding=str, pretty_print=True)[:-1]


def test_each_activity_is_written_as_lxml_writes_its_tree(reporting_org, monkeypatch):
    """The file holds the writer's text as it is: it must be what lxml writes for the tree,
    hostile texts, hidden partners and places, and kept elements included."""
    make_dataset(reporting_org)
    add_every_iati_element(Activity.objects.get(iati_identifier__endswith="-FULL"))
    partner = Organisation.objects.get(identifier=PARTNER_IDENTIFIER)
    hostile = make_full_activity(reporting_org, partner, suffix="HOSTILE")
    hostile.transactions.update(kept_xml="")
    Activity.objects.filter(pk=hostile.pk).update(
        kept_xml="",
        title={"it": HOSTILE_TEXTS[3], "en": HOSTILE_TEXTS[4], "zh": HOSTILE_TEXTS[7]},
        contact_person=HOSTILE_TEXTS[2],
        contact_website=HOSTILE_TEXTS[8],
    )
    hostile.other_identifiers.update(ref=HOSTILE_TEXTS[4], owner_name={"en": HOSTILE_TEXTS[10]})
    rows = list(export.iter_with_parts(Activity.objects.all()))
    kept = [row for row in rows if writer.has_published(row)]
    assert kept and len(kept) < len(rows)

    # An activity never published is stamped "now" at each writing: one clock for both writings,
    # or a second that turns between them fails the comparison.
    now = timezone.now()
    monkeypatch.setattr(writer.timezone, "now", lambda: now)
    for row in rows:
        element = activity_element(row, base_url=BASE_URL)
        text = writer.activity_xml(row, base_url=BASE_URL)
        assert text == etree.tostring(element, encoding=str, pretty_print=True)[:-1]
    written = parse(
        b'<?xml version="1.0"?><iati-activities>'
        + writer.activity_xml(next(r for r in rows if r.pk == hostile.pk)).encode()
        + b"</iati-activities>"
    ).xpath("iati-activity")[0]
    assert written.xpath("title/narrative/text()") == [
        HOSTILE_TEXTS[3],
        HOSTILE_TEXTS[4].strip(),
        HOSTILE_TEXTS[7].strip(),
    ]
    assert written.xpath("other-identifier/@ref") == [HOSTILE_TEXTS[4]]
    assert written.xpath("contact-info/person-name/narrative/text()") == [HOSTILE_TEXTS[2]]
    assert written.xpath("contact-info/website/text()") == ["control  characters"]


def test_the_streamed_file_is_what_lxml_writes_element_by_element(reporting_org, monkeypatch):
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
    # An activity never published nor revised is dated "now": the same second in both files.
    now = timezone.now()
    monkeypatch.setattr(writer.timezone, "now", lambda: now)
    attributes = {"version": writer.IATI_VERSION, "generated-datetime": "-"}
    elements = (element for _, element in export.iter_activity_elements(everything, base_url=""))
    texts = export.iter_activities_text(everything, base_url="")

    written = b"".join(export.stream_document("iati-activities", attributes, texts))

    assert written == b"".join(export.stream_document("iati-activities", attributes, elements))
    assert written.count(b"<iati-activity ") > 20
    assert embargoed.iati_identifier.encode() not in written
    assert SECRET_PARTNER_NAME["en"].encode() not in written
    assert b"Quartiere riservato" not in written
