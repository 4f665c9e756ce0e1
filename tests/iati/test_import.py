"""Tests of the IATI import: round trip, idempotence, dry run, files of other publishers."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from lxml import etree
from wagtail.models import ReferenceIndex, Revision
from wagtail.search.backends import get_search_backend

from opencoop.activities.models import (
    Activity,
    Beneficiaries,
    Budget,
    DocumentLink,
    Location,
    ParticipatingOrg,
    RecipientCountry,
    Result,
    SdgTag,
    Sector,
    Transaction,
)
from opencoop.iati.importer import import_activity_file
from opencoop.organisations.models import Organisation
from tests.factories import (
    REPORTING_ORG_IDENTIFIER,
    make_activity,
    make_dataset,
    make_organisation,
)
from tests.opendata.conftest import parse, schema_errors

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data" / "iati"
BASE_URL = "https://opencoop.example.org/"
# Attributes that say when a file was written, not what it holds.
GENERATED = {"generated-datetime", "last-updated-datetime"}


def run(command: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_import(path: Path | str, *args: str) -> tuple[str, str]:
    return run("iati_import", str(path), "--no-progress", "--base-url", BASE_URL, *args)


def export(tmp_path: Path, name: str, org: str = REPORTING_ORG_IDENTIFIER) -> Path:
    target = tmp_path / name
    run("iati_export", "--org", org, "--output", str(target), "--base-url", BASE_URL)
    return target


def canonical(data: bytes) -> list[tuple]:
    """List every element in document order: path, attributes (less the dates), text."""
    root = etree.fromstring(data)
    tree = root.getroottree()
    rows = []
    for element in root.iter():
        attributes = sorted((k, v) for k, v in element.attrib.items() if k not in GENERATED)
        rows.append((tree.getpath(element), attributes, (element.text or "").strip()))
    return rows


def counts() -> dict[str, int]:
    models = (Activity, Organisation, Revision, ParticipatingOrg, Transaction, Budget, Result)
    return {model.__name__: model.objects.count() for model in models}


# Round trip --------------------------------------------------------------------------------------
def test_round_trip_into_an_empty_database_gives_the_same_xml(reporting_org, tmp_path):
    make_dataset(reporting_org)
    first = export(tmp_path, "first.xml")
    data = first.read_bytes()
    assert schema_errors(data) == []
    identifiers = parse(data).xpath("iati-activity/iati-identifier/text()")
    assert len(identifiers) == 7  # two full activities with parent and child, and one
    named = set(parse(data).xpath("//@ref")) & set(
        Organisation.objects.values_list("identifier", flat=True)
    )
    # Empty the database of activities and of every organisation the file names.
    Activity.objects.all().delete()
    Organisation.objects.filter(identifier__in=named).delete()
    Organisation.objects.filter(pk=reporting_org.pk).delete()
    assert Activity.objects.count() == 0
    assert not Organisation.objects.filter(identifier__in=named).exists()

    out, _err = run_import(first)

    assert f"{len(identifiers)} created" in out
    assert set(Activity.objects.values_list("iati_identifier", flat=True)) == set(identifiers)
    second = export(tmp_path, "second.xml")
    assert canonical(second.read_bytes()) == canonical(data)


def test_round_trip_keeps_the_hidden_partner_hidden(reporting_org, tmp_path):
    make_dataset(reporting_org)
    data = export(tmp_path, "first.xml").read_bytes()
    assert b"Confidential Association" not in data and b"XM-DAC-98765" not in data
    Activity.objects.all().delete()
    run_import(tmp_path / "first.xml")
    sensitive = Activity.objects.get(iati_identifier=f"{REPORTING_ORG_IDENTIFIER}-SENSITIVE")
    hidden = sensitive.participating_orgs.get(role="4")
    assert hidden.hide_name is True
    assert (
        not Organisation.objects.filter(name__en="Confidential Association")
        .exclude(identifier="XM-DAC-98765")
        .exists()
    )


def test_export_then_import_on_the_same_database_changes_nothing(reporting_org, tmp_path):
    make_dataset(reporting_org)
    path = export(tmp_path, "activities.xml")
    before = counts()
    latest = dict(Activity.objects.values_list("iati_identifier", "latest_revision_id"))

    out, _err = run_import(path)

    assert "7 unchanged (no new revision)" in out
    assert "created" not in out.split("unchanged")[0]
    assert counts() == before
    assert dict(Activity.objects.values_list("iati_identifier", "latest_revision_id")) == latest


# Idempotence, dry run, updates -------------------------------------------------------------------
def test_importing_the_same_file_twice_changes_nothing():
    run_import(DATA / "foreign-2.01.xml")
    after_first = counts()
    assert after_first["Revision"] >= 2

    out, _err = run_import(DATA / "foreign-2.01.xml")

    assert "2 unchanged (no new revision)" in out
    assert "0 created, 0 changed, 2 unchanged" in out
    assert counts() == after_first


def test_dry_run_lists_what_would_change_and_changes_nothing():
    before = counts()
    out, _err = run_import(DATA / "foreign-2.02.xml", "--dry-run")
    assert "3 created (would be new revisions):" in out
    assert "  XI-EXAMPLE-NGO2-A" in out
    assert "Dry run, nothing changed." in out
    assert counts() == before
    assert not Organisation.objects.filter(identifier="XI-EXAMPLE-NGO2").exists()


def test_a_changed_activity_gets_one_new_published_revision(tmp_path):
    run_import(DATA / "foreign-2.02.xml")
    activity = Activity.objects.get(iati_identifier="XI-EXAMPLE-NGO2-A")
    revisions = activity.revisions.count()
    changed = tmp_path / "changed.xml"
    changed.write_bytes(
        (DATA / "foreign-2.02.xml").read_bytes().replace(b"Schools A<", b"Schools A, phase two<")
    )

    out, _err = run_import(changed)

    assert "1 changed (new revisions):" in out
    assert "  XI-EXAMPLE-NGO2-A: title" in out
    assert "2 unchanged" in out
    activity.refresh_from_db()
    assert activity.title == {"en": "Schools A, phase two"}
    assert activity.live and not activity.has_unpublished_changes
    assert activity.revisions.count() == revisions + 1


def test_drafts_are_saved_unpublished_and_a_second_import_changes_nothing():
    run_import(DATA / "foreign-2.02.xml", "--drafts")
    activity = Activity.objects.get(iati_identifier="XI-EXAMPLE-NGO2-A")
    assert activity.live is False
    assert activity.revisions.count() == 1
    before = counts()
    out, _err = run_import(DATA / "foreign-2.02.xml", "--drafts")
    assert "3 unchanged" in out
    assert counts() == before


# Files of other publishers -----------------------------------------------------------------------
def test_a_2_01_file_as_other_publishers_write_it():
    out, _err = run_import(DATA / "foreign-2.01.xml")

    project = Activity.objects.get(iati_identifier="XI-EXAMPLE-NGO1-P1")
    programme = Activity.objects.get(iati_identifier="XI-EXAMPLE-NGO1-PROGRAMME")
    assert project.live and programme.live
    # Narratives in any language; xml:lang of the activity for those without one.
    assert project.title == {
        "en": "Clean water for Example Town",
        "fr": "De l'eau propre pour Ville Exemple",
        "es": "Agua limpia para Pueblo Ejemplo",
    }
    assert project.objectives == {"en": "Safe water for 2,000 people."}
    assert project.status == "2"
    # Dates with a time or a time zone.
    assert project.planned_start == datetime.date(2019, 1, 15)
    assert project.planned_end == datetime.date(2021, 12, 31)
    assert project.default_currency == "USD"
    assert (project.contact_person, project.contact_email) == ("A. Example", "water@example.org")
    # A sector without vocabulary is an OECD DAC one; percentages may be left out.
    assert list(project.sectors.values_list("vocabulary", "code", "percentage")) == [
        ("1", "14030", None),
        ("2", "140", Decimal("100.00")),
        ("99", "WASH-1", None),
    ]
    assert list(project.recipient_countries.values_list("code", "percentage")) == [("SN", None)]
    location = project.locations.get()
    assert (location.country, location.latitude) == ("SN", Decimal("14.692800"))
    # Values in the default currency keep no currency of their own; others keep theirs.
    commitment, disbursement = project.transactions.order_by("sort_order")
    assert (commitment.value, commitment.currency) == (Decimal("120000.50"), "")
    assert (disbursement.value, disbursement.currency) == (Decimal("40000.00"), "EUR")
    assert commitment.date == datetime.date(2019, 2, 10)
    # Organisations: by identifier, or created by name when the file gives none.
    cooperative = Organisation.objects.get(name__it="Cooperativa Esempio")
    assert cooperative.identifier == ""
    assert commitment.receiver_org == disbursement.receiver_org == cooperative
    assert Organisation.objects.get(identifier="XI-EXAMPLE-NGO1").is_reporting
    assert Organisation.objects.get(identifier="XI-EXAMPLE-FUNDER").type == "80"
    # The parent comes after its child in the file.
    assert project.parent == programme
    # One result, its indicator holding both periods.
    (result,) = project.results.all()
    (indicator,) = result.indicators.all()
    assert list(indicator.periods.values_list("period_start", "target_value", "actual_value")) == [
        (datetime.date(2019, 1, 1), "10", "8"),
        (datetime.date(2020, 1, 1), "20", ""),
    ]
    # The activity's scope and its conditions, once listed as not kept, are kept.
    assert "activity-scope: not kept" not in out and "conditions: not kept" not in out
    assert project.scope == "4"
    assert Activity.objects.filter(conditions_attached=False).exists()
    # A transaction's sector and a sibling published elsewhere are kept (issue 16).
    assert "transaction/sector: not kept" not in out
    assert "related-activity[@type='3']" not in out
    assert commitment.sectors == [{"code": "14030"}]
    assert list(project.related_activities.values_list("ref", "type")) == [
        ("XI-EXAMPLE-NGO1-PROGRAMME", "1"),
        ("XI-EXAMPLE-NGO1-P7", "3"),
    ]
    assert "taken as “it”, the reporting organisation's default language" in out
    assert programme.title == {"it": "Water programme"}


def test_an_imported_activity_exports_as_valid_iati(tmp_path):
    run_import(DATA / "foreign-2.01.xml")
    data = export(tmp_path, "ngo1.xml", org="XI-EXAMPLE-NGO1").read_bytes()
    assert schema_errors(data) == []
    project = parse(data).xpath("iati-activity[iati-identifier='XI-EXAMPLE-NGO1-P1']")[0]
    assert project.xpath("related-activity[@type='1']/@ref") == ["XI-EXAMPLE-NGO1-PROGRAMME"]
    assert project.xpath("transaction[2]/value/@currency") == ["EUR"]


def test_a_2_02_file_without_default_currency():
    out, _err = run_import(DATA / "foreign-2.02.xml")
    first = Activity.objects.get(iati_identifier="XI-EXAMPLE-NGO2-A")
    assert first.default_currency == "XOF"
    assert first.transactions.get().currency == "XOF"
    assert list(first.sdg_tags.values_list("vocabulary", "code")) == [("2", "4"), ("3", "4.1")]
    # A tag of another vocabulary than the SDGs' is kept as the file gives it, not dropped.
    assert [(t["vocabulary"], t["code"]) for t in first.other_tags] == [("1", "agrovoc-1")]
    assert "not kept" not in out
    assert Organisation.objects.filter(identifier="XI-EXAMPLE-NGO2").count() == 1
    budget = Activity.objects.get(iati_identifier="XI-EXAMPLE-NGO2-B").budgets.get()
    # IATI: a budget without @type is original, without @status indicative.
    assert (budget.type, budget.status, budget.value_date) == ("1", "1", None)


def test_organisations_are_matched_by_identifier():
    existing = make_organisation(
        name={"en": "Example Foundation (as known here)"}, identifier="XI-EXAMPLE-FUNDER"
    )
    run_import(DATA / "foreign-2.01.xml")
    project = Activity.objects.get(iati_identifier="XI-EXAMPLE-NGO1-P1")
    assert project.participating_orgs.get(role="3").organisation == existing
    existing.refresh_from_db()
    assert existing.name == {"en": "Example Foundation (as known here)"}
    assert Organisation.objects.filter(identifier="XI-EXAMPLE-FUNDER").count() == 1


def test_only_the_chosen_reporting_organisation_is_accepted():
    before = counts()
    with pytest.raises(CommandError, match="Refused, nothing changed"):
        run_import(DATA / "foreign-2.02.xml", "--reporting-org", "XI-EXAMPLE-SOMEONE-ELSE")
    assert counts() == before


def test_an_activity_of_another_reporting_organisation_is_not_taken_over(reporting_org):
    make_activity(reporting_org, "TAKEN", iati_identifier="XI-EXAMPLE-NGO2-A")
    before = counts()
    report = import_activity_file(stream=(DATA / "foreign-2.02.xml").open("rb"))
    assert not report.applied
    [error] = report.errors
    assert (error.identifier, error.element) == ("XI-EXAMPLE-NGO2-A", "reporting-org/@ref")
    assert "is reported on the portal by" in error.message
    assert counts() == before


def test_an_identifier_twice_in_a_file_is_an_error(tmp_path):
    data = (DATA / "foreign-2.02.xml").read_bytes().replace(b"NGO2-B<", b"NGO2-A<")
    report = import_activity_file(stream=io.BytesIO(data))
    assert [(e.identifier, e.line) for e in report.errors] == [("XI-EXAMPLE-NGO2-A", 24)]
    assert "appears twice in the file (first at line 3)" in report.errors[0].message
    assert not Activity.objects.filter(iati_identifier__startswith="XI-EXAMPLE-NGO2").exists()


def test_the_console_shows_a_progress_bar():
    err = io.StringIO()
    call_command("iati_import", str(DATA / "foreign-2.02.xml"), stdout=io.StringIO(), stderr=err)
    assert "100%" in err.getvalue()
    assert "3 activities" in err.getvalue()


def test_the_portal_keeps_what_a_public_file_cannot_show(reporting_org, tmp_path):
    """Places hidden from the public and documents known only by title survive a re-import."""
    make_dataset(reporting_org)
    sensitive = Activity.objects.get(iati_identifier=f"{REPORTING_ORG_IDENTIFIER}-SENSITIVE")
    path = export(tmp_path, "activities.xml")
    data = path.read_bytes().replace(b"Objectives only in English.", b"Objectives, now revised.")
    path.write_bytes(data)

    out, _err = run_import(path)

    assert f"{REPORTING_ORG_IDENTIFIER}-SENSITIVE: objectives" in out
    sensitive.refresh_from_db()
    assert sensitive.objectives == {"en": "Objectives, now revised."}
    assert Location.objects.filter(activity=sensitive, name__en="Confidential district").exists()
    full = Activity.objects.get(iati_identifier=f"{REPORTING_ORG_IDENTIFIER}-FULL")
    assert DocumentLink.objects.filter(activity=full, title__en="Title only").exists()
    assert Beneficiaries.objects.filter(activity=sensitive, total=40, women=25).exists()
    assert RecipientCountry.objects.filter(activity=sensitive, code="IQ").exists()
    assert Sector.objects.filter(activity=full).count() == 3
    assert SdgTag.objects.filter(activity=full).count() == 2


def test_the_command_indexes_each_imported_activity_once_committed(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        run_import(DATA / "foreign-2.02.xml")
    activity = Activity.objects.get(iati_identifier="XI-EXAMPLE-NGO2-A")
    found = get_search_backend().search("Schools", Activity.objects.all())
    assert activity in list(found)
    # Wagtail's reference index knows what the activity refers to (its organisations).
    assert ReferenceIndex.get_references_for_object(activity).exists()


def test_the_command_records_the_user_it_is_told(django_user_model):
    user = django_user_model.objects.create_user("iati-importer", "i@example.org", "x-pw-3")
    run_import(DATA / "foreign-2.02.xml", "--user", "iati-importer")
    activity = Activity.objects.get(iati_identifier="XI-EXAMPLE-NGO2-A")
    assert activity.latest_revision.user == user
    with pytest.raises(CommandError, match="No user is called"):
        run_import(DATA / "foreign-2.02.xml", "--user", "nobody-here")


def test_the_report_file_holds_every_issue_and_the_summary_counts_them_by_kind(tmp_path):
    target = tmp_path / "report.csv"
    out, _err = run_import(DATA / "foreign-2.01.xml", "--dry-run", "--report", str(target))
    report = import_activity_file(stream=(DATA / "foreign-2.01.xml").open("rb"), dry_run=True)
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert rows[0] == ["level", "line", "activity", "element", "message"]
    issues = [*report.errors, *report.warnings]
    assert len(issues) > 1
    assert [row[4] for row in rows[1:]] == [issue.message for issue in issues]
    assert [row[1] for row in rows[1:]] == [str(issue.line or "") for issue in issues]
    assert f"Report of {len(report.errors)} error(s) and {len(report.warnings)} warning(s)" in out
    counted = sum(
        int(line.rsplit(": ", 1)[1])
        for line in out.splitlines()
        if line.startswith(("errors at ", "warnings at "))
    )
    assert counted == len(issues)
