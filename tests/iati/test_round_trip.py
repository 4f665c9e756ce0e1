"""Each element and attribute the one description declares survives writer, reader and records.

The cases come from ``opencoop.activities.parts``: adding a field there adds a case here. For
each attribute of ``ELEMENTS``, an activity holds a value for the field; the IATI writer must put
it at the declared path, the reader must read it back from there, and the activity's JSON record
(and the catalogue download, where a column is declared) must show it under the declared name.
For each part of ``PARTS`` (the structured ones included), an activity with every part is
exported, deleted and imported again, and the part's content fields must come back unchanged.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from lxml import etree

from opencoop.activities.models import Activity, IndicatorPeriod, Result, ResultIndicator
from opencoop.activities.parts import (
    ACTIVITY_FLAGS,
    DATE,
    ELEMENTS,
    NARRATIVES,
    PARTS,
    PERCENTAGE,
    URI,
    Attribute,
    Element,
    Part,
)
from opencoop.codelists import registry
from opencoop.core.multilingual import text
from opencoop.iati.export import activity_document, iter_activities_xml
from opencoop.iati.importer import activity_state, import_activity_file
from opencoop.iati.reader import ActivityFileReader
from opencoop.iati.writer import activity_element
from opencoop.opendata.downloads import COLUMN_KEYS, row_values
from opencoop.opendata.records import Context, activity_data, load_public_data
from tests.factories import add_every_iati_element, make_activity, make_full_activity
from tests.opendata.conftest import schema_errors

pytestmark = pytest.mark.django_db

LANG = "it"
BASE_URL = "https://opencoop.example.org/"
TEXT = {"it": "Testo di prova del campo.", "en": "The field's test text."}


def case_id(element: Element, attribute: Attribute) -> str:
    fixed = "".join(f"[@{a.name}='{a.value}']" for a in element.attributes if a.value)
    leaf = "narrative" if attribute.kind == NARRATIVES else f"@{attribute.name}"
    return f"{element.path}{fixed}/{leaf}"


CASES = [
    pytest.param(element, attribute, id=case_id(element, attribute))
    for element in ELEMENTS
    for attribute in element.fields
]


def some_code(codelist: str, avoid: str = "") -> str:
    """Return a code of ``codelist`` in use, other than ``avoid`` (the model's default)."""
    codes = [code for code, item in registry.get(codelist).items.items() if not item.withdrawn]
    return next(code for code in reversed(codes) if code != avoid)


def sample_values(element: Element) -> dict[str, object]:
    """Return a value for every field of ``element``, each valid where IATI has a codelist."""
    values: dict[str, object] = {}
    vocabulary = ""
    if element.vocabularies:
        # The last vocabulary of the table: not the default one where there are several.
        vocabulary = list(element.vocabularies)[-1]
    elif element.only_vocabularies:
        vocabulary = element.only_vocabularies[-1]
    elif element.vocabulary is not None and element.vocabulary.codelist:
        vocabulary = some_code(element.vocabulary.codelist)
    for attribute in element.fields:
        if attribute.kind == DATE:
            value: object = datetime.date(2024, 3, 15)
        elif attribute.kind == PERCENTAGE:
            value = Decimal("40.50")
        elif attribute.kind == NARRATIVES:
            value = TEXT
        elif attribute.kind == URI:
            value = "https://example.org/vocabulary"
        elif attribute.name == "vocabulary":
            value = vocabulary
        elif attribute.codelist is not None:
            value = some_code(attribute.codelist, avoid=attribute.default)
        elif vocabulary in element.vocabularies:
            value = some_code(element.vocabularies[vocabulary])
        else:
            value = "XY-1"  # a code of a vocabulary the portal does not check
        values[attribute.field] = value
    return values


def build_activity(reporting_org, element: Element, values: dict[str, object]) -> Activity:
    """Create a public activity holding ``values`` in the element's field or part."""
    if element.relation:
        activity = make_activity(reporting_org)
        getattr(activity, element.relation).model.objects.create(activity=activity, **values)
    else:
        activity = make_activity(reporting_org, **values)
    return Activity.objects.get(pk=activity.pk)


def written_value(attribute: Attribute, value: object) -> object:
    """Return ``value`` as the record's item shows it (numbers as floats, texts by language)."""
    if attribute.kind == PERCENTAGE:
        return float(value)
    return value


def json_value(data: dict, key: str) -> object:
    for name in key.split("."):
        data = data[name]
    return data


@pytest.mark.parametrize(("element", "attribute"), CASES)
def test_writer_reader_and_record_agree(reporting_org, element, attribute):
    values = sample_values(element)
    value = values[attribute.field]
    activity = build_activity(reporting_org, element, values)

    xml = activity_element(activity, base_url="http://testserver/")
    fixed = "".join(f"[@{a.name}='{a.value}']" for a in element.attributes if a.value)
    written = xml.xpath(f"{element.path}{fixed}")
    assert len(written) == 1, etree.tostring(xml, pretty_print=True).decode()
    if attribute.kind == NARRATIVES:
        narratives = {
            n.get("{http://www.w3.org/XML/1998/namespace}lang"): n.text for n in written[0]
        }
        assert narratives == value
    elif attribute.kind == DATE:
        assert written[0].get(attribute.name) == value.isoformat()
    elif attribute.kind == PERCENTAGE:
        assert Decimal(written[0].get(attribute.name)) == value
    else:
        assert written[0].get(attribute.name) == value

    reader = ActivityFileReader(BytesIO(activity_document(xml)), fallback_lang=LANG)
    (record,) = list(reader)
    assert record.errors == []
    if element.relation:
        rows = record.children[element.relation]
        assert [row.fields[attribute.field] for row in rows] == [value]
    else:
        assert record.fields[attribute.field] == value

    if attribute.json or attribute.csv:
        (loaded,) = load_public_data([activity])
        data = activity_data(loaded, Context.for_language(LANG, "http://testserver"))
        if attribute.json:
            shown = json_value(data[element.json][0] if element.relation else data, attribute.json)
            assert shown == written_value(attribute, value)
        if attribute.csv:
            cell = row_values(data, LANG)[COLUMN_KEYS.index(attribute.csv)]
            assert cell == (text(value, LANG) if attribute.kind == NARRATIVES else value)


def test_every_element_of_attributes_has_a_case():
    paths = {param.id.split("/")[0].split("[")[0] for param in CASES}
    assert paths == {element.path for element in ELEMENTS}
    assert len(CASES) == sum(len(element.fields) for element in ELEMENTS)


@pytest.mark.parametrize("part", [pytest.param(p, id=f"{p.element}:{p.relation}") for p in PARTS])
def test_every_part_comes_back_from_its_own_file(reporting_org, part: Part):
    activity = add_every_iati_element(make_full_activity(reporting_org))
    identifier = activity.iati_identifier
    before = activity_state(activity, BASE_URL)[part.relation]
    if part.relation == "documents":
        # IATI needs an address: a document known only by its title is not written.
        addressed = [document.href for document in activity.documents.all()]
        before = [row for row, href in zip(before, addressed, strict=True) if href]
    assert before, f"the full activity has no {part.relation}: nothing would be proven"
    # The activity, its parent programme and its child: the file names them all.
    family = Activity.objects.filter(iati_identifier__startswith=identifier)
    data = b"".join(iter_activities_xml(family, base_url=BASE_URL))
    family.delete()

    report = import_activity_file(stream=BytesIO(data), base_url=BASE_URL)

    assert report.ok, [str(issue) for issue in report.errors]
    after = activity_state(Activity.objects.get(iati_identifier=identifier), BASE_URL)
    assert after[part.relation] == before


STRUCTURED_CODES = [
    pytest.param(p, below, field, codelist, id=f"{p.element}/{below}")
    for p in PARTS
    for below, field, codelist in p.codes()
]


def written_codes(xml: etree._Element, element: str, below: str) -> list[str]:
    """Return the codes written at ``below`` (``@type``, ``category``: its ``@code``)."""
    xpath = f"{element}/{below}" if "@" in below else f"{element}/{below}/@code"
    return [str(value) for value in xml.xpath(xpath)]


@pytest.mark.parametrize(("part", "below", "field", "codelist"), STRUCTURED_CODES)
def test_each_code_of_a_structured_part_comes_back(reporting_org, part, below, field, codelist):
    activity = add_every_iati_element(make_full_activity(reporting_org))
    rows = list(getattr(activity, part.relation).all())
    assert rows, f"the full activity has no {part.relation}: nothing would be proven"
    value = some_code(codelist, avoid=getattr(rows[0], field))
    if codelist == "Language":
        value = value.lower()
    if part.relation == "locations" and below == "administrative":
        value = value.upper()
    # A vocabulary is written only with the code it qualifies: every row gets one.
    companions = {
        "recipient-region/@vocabulary": {"recipient_region": "289"},
        "category": {"more_categories": []},
    }.get(below, {})
    part.model.objects.filter(pk__in=[row.pk for row in rows]).update(
        **{field: value}, **companions
    )
    if part.relation == "locations" and below == "administrative":
        # Areas of other vocabularies are written as administrative elements too.
        part.model.objects.filter(pk__in=[row.pk for row in rows]).update(administrative=[])
    if part.element == "result":
        # Beneficiaries are written as one more result, with codes of their own.
        activity.beneficiaries.all().delete()
    if part.relation == "related_activities":
        # The parent and child linked on the portal are written from the links, as types 1, 2.
        activity.children.update(parent=None)
        Activity.objects.filter(pk=activity.pk).update(parent=None)
    activity = Activity.objects.get(pk=activity.pk)

    xml = activity_element(activity, base_url=BASE_URL)
    written = written_codes(xml, part.element, below)
    assert written and set(written) == {value}, etree.tostring(xml, pretty_print=True).decode()

    reader = ActivityFileReader(BytesIO(activity_document(xml)), fallback_lang=LANG)
    (record,) = list(reader)
    assert record.errors == []
    read = [row.fields[field] for row in record.children[part.relation]]
    assert read and set(read) == {value}


NESTED_CODES = [
    pytest.param(p, inner, below, field, codelist, id=f"{p.element}/{inner.element}/{below}")
    for p in PARTS
    for inner in p.nested
    for below, field, codelist in inner.codes()
]


@pytest.mark.parametrize(("part", "inner", "below", "field", "codelist"), NESTED_CODES)
def test_each_code_of_a_nested_row_comes_back(reporting_org, part, inner, below, field, codelist):
    activity = make_full_activity(reporting_org)
    owners = list(getattr(activity, part.relation).all())
    rows = [row for owner in owners for row in getattr(owner, inner.relation).all()]
    assert rows, f"the full activity has no {inner.relation}: nothing would be proven"
    value = some_code(codelist, avoid=getattr(rows[0], field))
    inner.model.objects.filter(pk__in=[row.pk for row in rows]).update(**{field: value})
    activity.beneficiaries.all().delete()  # written as one more result, with codes of its own
    activity = Activity.objects.get(pk=activity.pk)

    xml = activity_element(activity, base_url=BASE_URL)
    written = written_codes(xml, f"{part.element}/{inner.element}", below)
    assert written and set(written) == {value}

    (record,) = list(ActivityFileReader(BytesIO(activity_document(xml)), fallback_lang=LANG))
    assert record.errors == []
    read = [
        row.fields[field]
        for owner in record.children[part.relation]
        for row in owner.nested[inner.relation]
    ]
    assert read and set(read) == {value}


def test_every_code_of_the_structured_parts_has_a_case():
    ids = {param.id for param in STRUCTURED_CODES} | {param.id for param in NESTED_CODES}
    assert {"budget/@type", "budget/@status", "transaction/transaction-type"} <= ids
    assert {"location/exactness", "document-link/category", "result/indicator/@measure"} <= ids


def rich_result(activity: Activity) -> None:
    """Give ``activity`` a result of two indicators, each of two periods, with everything IATI
    lets an indicator say: comments, dimensions, locations, references, aggregation status."""
    result = Result.objects.create(
        activity=activity,
        type="2",
        aggregation_status=True,
        title={"it": "Accesso all'acqua", "en": "Access to water"},
        description={"en": "Households reached by the new wells."},
        sort_order=0,
    )
    for number in (1, 2):
        indicator = ResultIndicator.objects.create(
            result=result,
            sort_order=number,
            title={"en": f"Households served ({number})"},
            description={"en": "Counted at the well."},
            # The second is qualitative: its values are words.
            measure="1" if number == 1 else "5",
            ascending=number == 1,
            aggregation_status=False,
            references=[
                {"vocabulary": "1", "code": f"3.{number}", "indicator_uri": "http://example.org/i"}
            ],
            baseline_year=2023,
            baseline_date=datetime.date(2023, 6, 30),
            baseline_value="10.5" if number == 1 else "No",
            baseline_comment={"en": "Survey of June", "it": "Indagine di giugno"},
            baseline_dimensions=[{"name": "sex", "value": "female"}],
            baseline_locations=["LOC-1"],
        )
        for order, year in enumerate((2024, 2025)):
            IndicatorPeriod.objects.create(
                indicator=indicator,
                sort_order=order,
                period_start=datetime.date(year, 1, 1),
                period_end=datetime.date(year, 12, 31),
                target_value=str(100 * number + year - 2000) if number == 1 else "Yes",
                target_comment={"en": f"Target {year}"},
                target_dimensions=[{"name": "age", "value": "adult"}],
                target_locations=["LOC-1", "LOC-2"],
                actual_value=str(90 * number) if year == 2024 else "",
                actual_comment={"en": "Reported"} if year == 2024 else {},
                actual_dimensions=[{"name": "sex", "value": "male"}] if year == 2024 else [],
            )


def test_a_result_of_two_indicators_of_two_periods_comes_back_whole(reporting_org):
    activity = make_full_activity(reporting_org)
    activity.results.all().delete()
    rich_result(activity)
    activity = Activity.objects.get(pk=activity.pk)
    identifier = activity.iati_identifier
    before = activity_state(activity, BASE_URL)["results"]
    family = Activity.objects.filter(iati_identifier__startswith=identifier)
    data = b"".join(iter_activities_xml(family, base_url=BASE_URL))
    family.delete()

    assert schema_errors(data) == []
    xml = etree.fromstring(data)
    (written,) = [
        a for a in xml.iterfind("iati-activity") if a.findtext("iati-identifier") == identifier
    ]
    counts = {
        path: len(written.xpath(f"result[not(title/narrative='Beneficiari')]/{path}"))
        for path in (
            "indicator",
            "indicator/period",
            "indicator/period/target/comment",
            "indicator/period/actual/dimension",
            "indicator/period/target/location",
            "indicator/baseline/comment/narrative",
            "indicator/reference",
        )
    }
    assert counts == {
        "indicator": 2,
        "indicator/period": 4,
        "indicator/period/target/comment": 4,
        "indicator/period/actual/dimension": 2,
        "indicator/period/target/location": 8,
        "indicator/baseline/comment/narrative": 4,
        "indicator/reference": 2,
    }
    report = import_activity_file(stream=BytesIO(data), base_url=BASE_URL)

    assert report.ok, [str(issue) for issue in report.errors]
    assert not [w for w in report.warnings if w.element.startswith("result")], [
        str(w) for w in report.warnings
    ]
    after = activity_state(Activity.objects.get(iati_identifier=identifier), BASE_URL)
    assert after["results"] == before
    (result,) = Result.objects.filter(activity__iati_identifier=identifier)
    assert [i.periods.count() for i in result.indicators.all()] == [2, 2]


@pytest.mark.parametrize(("path", "field"), list(ACTIVITY_FLAGS.items()))
def test_each_yes_no_attribute_comes_back(reporting_org, path, field):
    element_path, _at, name = path.rpartition("@")
    activity = make_activity(reporting_org, **{field: True})
    xml = activity_element(Activity.objects.get(pk=activity.pk), base_url=BASE_URL)
    holder = xml.find(element_path.rstrip("/")) if element_path else xml
    assert holder.get(name) == "1"
    (record,) = list(ActivityFileReader(BytesIO(activity_document(xml)), fallback_lang=LANG))
    assert record.fields[field] is True
    (loaded,) = load_public_data([Activity.objects.get(pk=activity.pk)])
    assert activity_data(loaded, Context.for_language(LANG, "http://testserver"))[field] is True

    # A tri-state flag (None: the file says nothing) writes a stated "no" as "0"; the others
    # leave "no" out, as IATI assumes it.
    tri_state = Activity._meta.get_field(field).null
    states = [(False, "0", False), (None, None, None)] if tri_state else [(False, None, False)]
    for stored, written, read in states:
        Activity.objects.filter(pk=activity.pk).update(**{field: stored})
        xml = activity_element(Activity.objects.get(pk=activity.pk), base_url=BASE_URL)
        holder = xml.find(element_path.rstrip("/")) if element_path else xml
        assert holder.get(name) == written
        (record,) = list(ActivityFileReader(BytesIO(activity_document(xml)), fallback_lang=LANG))
        assert record.fields[field] is read


def test_every_iati_element_comes_back_in_a_valid_file(reporting_org):
    from opencoop.iati.importer import ACTIVITY_FIELDS
    from opencoop.iati.incoming import file_problems

    activity = add_every_iati_element(make_full_activity(reporting_org))
    identifier = activity.iati_identifier
    before = activity_state(activity, BASE_URL)
    # IATI needs an address: a document known only by its title is not written.
    addressed = [document.href for document in activity.documents.all()]
    before["documents"] = [
        row for row, href in zip(before["documents"], addressed, strict=True) if href
    ]
    family = Activity.objects.filter(iati_identifier__startswith=identifier)
    data = b"".join(iter_activities_xml(family, base_url=BASE_URL))
    assert file_problems(data) == []
    xml = etree.fromstring(data)
    written = xml.xpath(f"iati-activity[iati-identifier='{identifier}']")[0]
    for path in (
        "activity-scope",
        "humanitarian-scope/narrative",
        "country-budget-items/budget-item/description",
        "capital-spend",
        "conditions/condition",
        "contact-info/mailing-address",
        "activity-date/narrative",
        "sector/narrative",
        "tag[@vocabulary='99']/narrative",
        "default-aid-type[@vocabulary='4']",
        "transaction/sector/narrative",
        "document-link/description",
        "{https://example.org/iati-extension}office",
        "transaction/{https://example.org/iati-extension}account",
    ):
        assert written.find(path) is not None, path
    family.delete()

    report = import_activity_file(stream=BytesIO(data), base_url=BASE_URL)

    assert report.ok, [str(issue) for issue in report.errors]
    # Links to the parent and the child are made once both are in (their own test says so).
    lost = [issue.element for issue in report.warnings if issue.lost]
    assert [path for path in lost if not path.startswith("related-activity")] == []
    again = Activity.objects.get(iati_identifier=identifier)
    after = activity_state(again, BASE_URL)
    assert {name: after[name] for name in ACTIVITY_FIELDS} == {
        name: before[name] for name in ACTIVITY_FIELDS
    }
    assert after == before
    again_family = Activity.objects.filter(iati_identifier__startswith=identifier)
    assert file_problems(b"".join(iter_activities_xml(again_family, base_url=BASE_URL))) == []
