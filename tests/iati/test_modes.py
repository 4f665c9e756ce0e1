"""Tests of the IATI import's modes: strict or per activity, validated, nothing dropped silently.

The seven real publishers' files (tests/data/iati/publishers) each import in per-activity mode;
strict mode refuses those with errors and leaves the database as it was; a second import changes
nothing; and every element the portal's re-export has fewer of than the file is in the report.
"""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from wagtail.models import Revision

from opencoop.activities.models import Activity, SdgTag
from opencoop.iati.export import iter_with_parts
from opencoop.iati.importer import PER_ACTIVITY, STRICT, import_activity_file
from opencoop.iati.kept import covered, issue_path, source_paths
from opencoop.iati.writer import activity_element
from opencoop.organisations.models import Organisation
from tests.factories import make_organisation

pytestmark = pytest.mark.django_db

PUBLISHERS = Path(__file__).resolve().parent.parent / "data" / "iati" / "publishers"
HOSTILE = Path(__file__).resolve().parent.parent / "data" / "iati" / "hostile"
BASE_URL = "https://portal.example.org/"
# Share (%) of each file's elements and attributes the portal's re-export keeps, at least. What
# is still lost, each said in the report: usaid's participating-org/@ref="" (2) and es-maec's
# <default-tied-status code=""/> (1), taken as absent, and World Bank's second contact email (only
# the first is kept).
KEPT_SHARES = {
    "acfspain-ml.xml": 100.0,
    "caf-activities.xml": 100.0,
    "es-maec-indonesia.xml": 99.8,
    "gb-gov-1-dfid-al.xml": 100.0,
    "usaid-bo.xml": 99.9,
    "who-arg.xml": 100.0,
    "worldbank-679.xml": 100.0,
}
KEPT_THRESHOLD = min(KEPT_SHARES.values())
# file → (activities written, activities skipped) in per-activity mode.
EXPECTED = {
    "acfspain-ml.xml": (1, 0),
    "caf-activities.xml": (5, 0),
    # Two activities use aid types (D03, D04) that the 2.01 codelist the file declares lacks.
    "es-maec-indonesia.xml": (6, 2),
    # Five activities are schema-invalid: an empty <capital-spend/> without its percentage.
    "gb-gov-1-dfid-al.xml": (3, 5),
    "usaid-bo.xml": (5, 0),
    "who-arg.xml": (5, 0),
    "worldbank-679.xml": (1, 0),
}
FILES = sorted(EXPECTED)


def run(name: str, **options):
    with (PUBLISHERS / name).open("rb") as stream:
        return import_activity_file(stream=stream, file_name=name, base_url=BASE_URL, **options)


def state() -> tuple[int, int, int]:
    return Activity.objects.count(), Organisation.objects.count(), Revision.objects.count()


def identifiers(name: str) -> list[str]:
    from lxml import etree

    root = etree.parse(str(PUBLISHERS / name)).getroot()
    return [a.findtext("iati-identifier").strip() for a in root.iterfind("iati-activity")]


@pytest.mark.parametrize("name", FILES)
def test_each_publishers_file_imports_activity_by_activity(name):
    written, skipped = EXPECTED[name]
    report = run(name, mode=PER_ACTIVITY)
    assert report.ok and report.applied, [str(issue) for issue in report.file_errors]
    assert len(report.skipped) == skipped
    skipped_ids = {activity.identifier for activity in report.skipped}
    in_db = set(
        Activity.objects.filter(iati_identifier__in=identifiers(name)).values_list(
            "iati_identifier", flat=True
        )
    )
    assert len(in_db) == written
    assert in_db.isdisjoint(skipped_ids)
    assert in_db | skipped_ids == set(identifiers(name))
    for activity in report.skipped:
        # Each skipped activity says why: at least one error with its line and element.
        assert activity.issues and all(issue.line and issue.element for issue in activity.issues)
    # A second import changes nothing: no new activity, organisation or revision.
    before = state()
    again = run(name, mode=PER_ACTIVITY)
    assert state() == before
    assert not again.created and not again.changed
    assert sorted(again.unchanged) == sorted(in_db)


@pytest.mark.parametrize("name", ["gb-gov-1-dfid-al.xml", "es-maec-indonesia.xml"])
def test_strict_mode_refuses_a_file_with_errors_and_changes_nothing(name):
    before = state()
    report = run(name, mode=STRICT)
    assert not report.ok and not report.applied and report.errors
    assert state() == before
    assert not report.skipped  # strict: nothing is skipped, the whole file is refused


def test_strict_is_the_default_and_an_unknown_mode_is_refused():
    assert run("gb-gov-1-dfid-al.xml").mode == STRICT
    with pytest.raises(ValueError, match="mode must be one of"):
        run("who-arg.xml", mode="lenient")


def test_schema_problems_are_errors_with_line_activity_path_and_translated_message():
    with translation.override("it"):
        report = run("gb-gov-1-dfid-al.xml", mode=PER_ACTIVITY)
    problems = [
        (issue.line, issue.identifier, issue.element, issue.message)
        for activity in report.skipped
        for issue in activity.issues
    ]
    assert problems == [
        (line, identifier, "capital-spend", "manca l'attributo obbligatorio «percentage»")
        for line, identifier in [
            (99, "GB-1-109616-101"),
            (251, "GB-1-109635-101"),
            (454, "GB-1-109635-102"),
            (613, "GB-1-109636-101"),
            (827, "GB-1-109636-102"),
        ]
    ]
    with translation.override("en"):
        report = run("gb-gov-1-dfid-al.xml", mode=PER_ACTIVITY, dry_run=True)
    assert report.skipped[0].issues[0].message == "the required attribute “percentage” is missing"


def test_a_version_1_file_is_refused_in_either_mode():
    for mode in (STRICT, PER_ACTIVITY):
        with translation.override("en"), (HOSTILE / "version-1.xml").open("rb") as stream:
            report = import_activity_file(stream=stream, mode=mode)
        assert not report.ok and report.file_errors
        assert "Version 1 is no longer part of the IATI Standard" in report.errors[0].message


def kept_share(source: dict[str, list[int]], exported: dict[str, list[int]]) -> tuple[int, int]:
    total = sum(len(lines) for lines in source.values())
    kept = sum(min(len(lines), len(exported.get(path, ()))) for path, lines in source.items())
    return kept, total


@pytest.mark.parametrize("name", FILES)
def test_every_element_the_re_export_loses_is_in_the_report(name, record_property):
    from lxml import etree

    with translation.override("en"):
        report = run(name, mode=PER_ACTIVITY)
    issues_by_activity: dict[str, set[str]] = {}
    for issue in [*report.errors, *report.warnings]:
        if issue.level == "error" or "not kept" in issue.message:
            issues_by_activity.setdefault(issue.identifier, set()).add(issue_path(issue.element))
    # Normalisations said what they changed: an emptied attribute, an element of an empty code.
    mended: dict[str, set[str]] = {}
    for issue in report.warnings:
        if "taken as absent" in issue.message:
            mended.setdefault(issue.identifier, set()).add(issue_path(issue.element))
    skipped = {activity.identifier for activity in report.skipped}
    root = etree.parse(str(PUBLISHERS / name)).getroot()
    exported = {
        activity.iati_identifier: source_paths(activity_element(activity, base_url=BASE_URL))
        for activity in iter_with_parts(Activity.objects.all())
    }
    kept_total = [0, 0]
    silent = []
    for element in root.iterfind("iati-activity"):
        identifier = element.findtext("iati-identifier").strip()
        if identifier in skipped:
            continue
        source = source_paths(element)
        out = exported[identifier]
        kept, total = kept_share(source, out)
        kept_total[0] += kept
        kept_total[1] += total
        said = issues_by_activity.get(identifier, set())
        for path, lines in source.items():
            lost = len(lines) - len(out.get(path, ()))
            if lost > 0 and not covered(path, said | mended.get(identifier, set())):
                silent.append((identifier, path, lost))
    share = 100 * kept_total[0] / kept_total[1]
    record_property("kept_percent", f"{share:.1f}")
    print(
        f"\n{name}: {kept_total[0]} of {kept_total[1]} elements and attributes kept ({share:.1f} %)"
    )
    assert silent == []
    assert round(share, 1) >= KEPT_SHARES[name] >= KEPT_THRESHOLD


# The results of a file and of its re-export, element by element: every one comes back, World
# Bank's empty comments (<comment><narrative/></comment>) included.
RESULT_FILES = ("acfspain-ml.xml", "caf-activities.xml", "worldbank-679.xml")
RESULT_VALUES = ("indicator/baseline/@value", "indicator/period/target/@value")


def result_figures(activities) -> tuple[dict[str, int], dict[str, Decimal]]:
    """Count each path below the results (beneficiaries' apart) and add up their numbers."""
    counts: dict[str, int] = {}
    sums: dict[str, Decimal] = {}
    for activity in activities:
        for path, lines in source_paths(activity).items():
            if path.startswith("result"):
                counts[path] = counts.get(path, 0) + len(lines)
        for path in (*RESULT_VALUES, "indicator/period/actual/@value"):
            for value in activity.xpath(f"result/{path}"):
                try:
                    number = Decimal(str(value))
                except InvalidOperation:
                    continue
                sums[path] = sums.get(path, Decimal(0)) + number
    return counts, sums


@pytest.mark.parametrize("name", RESULT_FILES)
def test_results_come_back_element_by_element_with_their_sums(name):
    from lxml import etree

    report = run(name, mode=PER_ACTIVITY)
    assert report.ok
    root = etree.parse(str(PUBLISHERS / name)).getroot()
    source = list(root.iterfind("iati-activity"))
    exported = [
        activity_element(activity, base_url=BASE_URL)
        for activity in iter_with_parts(Activity.objects.all())
    ]
    before, sums_before = result_figures(source)
    after, sums_after = result_figures(exported)

    assert sum(before.values()) > 100
    losses = {path: count - after.get(path, 0) for path, count in before.items()}
    assert {path: lost for path, lost in losses.items() if lost > 0} == {}
    assert sums_after == sums_before and sums_before


CENT = Decimal("0.01")
# The activities of this file that import (3 of 8) state no amount.
STATE_NO_AMOUNT = {"gb-gov-1-dfid-al.xml"}
# Where a file states money: each amount comes back in the re-export, added up by path and currency.
MONEY = (
    "budget/value",
    "planned-disbursement/value",
    "transaction/value",
    "country-budget-items/budget-item/@percentage",
)


def money_sums(activities) -> dict[tuple[str, str], Decimal]:
    """Add up every amount of ``activities`` by path and currency (the activity's default when
    the value states none)."""
    sums: dict[tuple[str, str], Decimal] = {}
    for activity in activities:
        default = (activity.get("default-currency") or "").strip()
        for path in MONEY:
            for found in activity.xpath(path):
                text = found if isinstance(found, str) else found.text
                currency = "" if isinstance(found, str) else found.get("currency") or default
                try:
                    # The portal keeps amounts to the cent; each rounding is in the report.
                    number = Decimal(str(text).strip()).quantize(CENT, rounding=ROUND_HALF_UP)
                except InvalidOperation:
                    continue
                key = (path, currency.strip())
                sums[key] = sums.get(key, Decimal(0)) + number
    return sums


@pytest.mark.parametrize("name", FILES)
def test_money_comes_back_with_the_same_sums(name):
    from lxml import etree

    report = run(name, mode=PER_ACTIVITY)
    assert report.ok
    skipped = {activity.identifier for activity in report.skipped}
    root = etree.parse(str(PUBLISHERS / name)).getroot()
    source = [
        a
        for a in root.iterfind("iati-activity")
        if a.findtext("iati-identifier").strip() not in skipped
    ]
    exported = [
        activity_element(activity, base_url=BASE_URL)
        for activity in iter_with_parts(Activity.objects.all())
    ]
    before = money_sums(source)
    assert bool(before) == (name not in STATE_NO_AMOUNT)
    assert money_sums(exported) == before
    stated = [
        value.strip()
        for path in MONEY
        for activity in source
        for value in activity.xpath(f"{path}/text()" if not path.startswith("country") else path)
    ]
    rounded = [v for v in stated if "." in v and len(v.split(".")[1].rstrip("0")) > 2]
    warned = [issue for issue in report.warnings if "rounded" in issue.message]
    assert len(warned) >= len(rounded)


ACTIVITY = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03" {file_lang}>
 <iati-activity {activity_lang}>
  <iati-identifier>XI-EXAMPLE-1-{number}</iati-identifier>
  <reporting-org ref="XI-EXAMPLE-1" type="22">{reporting_name}</reporting-org>
  <title><narrative>Titolo o title</narrative></title>
  <description><narrative>Una descrizione</narrative></description>
  <participating-org role="4" type="22" ref=" XI-EXAMPLE-2 "><narrative xml:lang="{partner_lang}">Partner</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2024-01-01"/>
  <recipient-country code="SN" percentage="100"/>
  <sector vocabulary="1" code="15110" percentage="100"/>
  <tag vocabulary="3" code="1.A"/>
  <default-tied-status code=""/>
  <document-link url="https://example.org/a report.pdf" format="application/pdf">
   <title><narrative xml:lang="en">Report</narrative></title>
   <category code="A01"/>
  </document-link>
 </iati-activity>
</iati-activities>
"""


def activity_file(number: int = 1, **values: str) -> io.BytesIO:
    fields = {
        "file_lang": "",
        "activity_lang": "",
        "reporting_name": '<narrative xml:lang="en">Example NGO</narrative>',
        "partner_lang": "en",
        "number": str(number),
        **values,
    }
    return io.BytesIO(ACTIVITY.format(**fields).encode())


def test_recoverable_slips_are_mended_and_reported():
    with translation.override("en"):
        report = import_activity_file(stream=activity_file(), base_url=BASE_URL)
    assert report.applied, [str(issue) for issue in report.errors]
    activity = Activity.objects.get(iati_identifier="XI-EXAMPLE-1-1")
    warnings = {(issue.element, issue.message) for issue in report.warnings}
    # A code in the wrong case, where the codelist has one code that differs only by case.
    assert SdgTag.objects.get(activity=activity).code == "1.a"
    assert any(e == "tag/@code" and "“1.A” written “1.a”" in m for e, m in warnings)
    # An address with a space is percent-encoded.
    assert activity.documents.get().url == "https://example.org/a%20report.pdf"
    assert any(e == "document-link/@url" and "a%20report.pdf" in m for e, m in warnings)
    # Whitespace around a value is trimmed.
    assert activity.participating_orgs.get().organisation.identifier == "XI-EXAMPLE-2"
    assert any(e == "participating-org/@ref" and "spaces around" in m for e, m in warnings)
    # An element holding only an empty code is taken as absent.
    assert any(e == "default-tied-status" and "taken as absent" in m for e, m in warnings)
    assert activity.default_tied_status == ""


def test_a_narrative_without_language_takes_the_activity_then_the_file_then_the_organisation():
    import_activity_file(
        stream=activity_file(1, activity_lang='xml:lang="fr"', file_lang='xml:lang="es"')
    )
    import_activity_file(stream=activity_file(2, file_lang='xml:lang="es"'))
    import_activity_file(stream=activity_file(3))
    titles = dict(
        Activity.objects.filter(iati_identifier__startswith="XI-EXAMPLE-1-").values_list(
            "iati_identifier", "title"
        )
    )
    assert titles["XI-EXAMPLE-1-1"] == {"fr": "Titolo o title"}
    assert titles["XI-EXAMPLE-1-2"] == {"es": "Titolo o title"}
    # An organisation without a default language setting: the portal's default language.
    assert titles["XI-EXAMPLE-1-3"] == {"it": "Titolo o title"}


def test_a_narrative_without_language_takes_the_reporting_organisations_setting():
    make_organisation(identifier="XI-EXAMPLE-1", default_language="de", is_reporting=True)
    report = import_activity_file(
        stream=activity_file(4, reporting_name="<narrative>Beispiel</narrative>")
    )
    assert report.applied, [str(issue) for issue in report.errors]
    assert Activity.objects.get(iati_identifier="XI-EXAMPLE-1-4").title == {"de": "Titolo o title"}


def test_an_invalid_language_code_is_an_error():
    with translation.override("en"):
        report = import_activity_file(
            stream=activity_file(5, partner_lang="eng"), mode=PER_ACTIVITY
        )
    assert [activity.identifier for activity in report.skipped] == ["XI-EXAMPLE-1-5"]
    assert any("“eng” is not a language code" in issue.message for issue in report.errors)
    assert not Activity.objects.filter(iati_identifier="XI-EXAMPLE-1-5").exists()


def test_organisation_names_are_merged_from_every_activity_that_names_them():
    data = ACTIVITY.replace("{partner_lang}", "{partner_lang}").format(
        file_lang="",
        activity_lang="",
        reporting_name='<narrative xml:lang="en">Example NGO</narrative>',
        partner_lang="en",
        number="6",
    )
    second = data.replace("XI-EXAMPLE-1-6", "XI-EXAMPLE-1-7").replace(
        '<narrative xml:lang="en">Example NGO</narrative>',
        '<narrative xml:lang="es">ONG de ejemplo</narrative>'
        '<narrative xml:lang="fr">ONG exemple</narrative>',
    )
    activities = second.split("<iati-activity ", 1)[1].rsplit("</iati-activities>", 1)[0]
    both = data.replace("</iati-activities>", f"<iati-activity {activities}</iati-activities>")
    report = import_activity_file(stream=io.BytesIO(both.encode()))
    assert report.applied, [str(issue) for issue in report.errors]
    assert Organisation.objects.get(identifier="XI-EXAMPLE-1").name == {
        "en": "Example NGO",
        "es": "ONG de ejemplo",
        "fr": "ONG exemple",
    }
    # The next import names it the same: nothing changes.
    before = state()
    again = import_activity_file(stream=io.BytesIO(both.encode()))
    assert state() == before and len(again.unchanged) == 2


def test_the_command_takes_a_mode(tmp_path):
    path = str(PUBLISHERS / "gb-gov-1-dfid-al.xml")
    before = state()
    with pytest.raises(CommandError, match="Refused"):
        call_command(
            "iati_import", path, "--no-progress", stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert state() == before
    out, err = io.StringIO(), io.StringIO()
    report_file = tmp_path / "report.csv"
    call_command(
        "iati_import",
        path,
        "--no-progress",
        "--mode",
        "per-activity",
        "--report",
        str(report_file),
        stdout=out,
        stderr=err,
    )
    assert Activity.objects.count() == before[0] + 3
    assert "5 activities skipped" in err.getvalue()
    assert "GB-1-109616-101 (line" in err.getvalue()
    assert "Applied." in out.getvalue() and "5 skipped" in out.getvalue()
    rows = list(csv.DictReader(report_file.open(encoding="utf-8")))
    assert sum(row["level"] == "error" for row in rows) == 5
    with pytest.raises(CommandError):
        call_command("iati_import", path, "--mode", "lenient", stdout=io.StringIO())


@pytest.fixture
def admin_client(client, settings, tmp_path):
    from django.contrib.auth import get_user_model

    settings.VAR_DIR = tmp_path / "var"
    user = get_user_model().objects.create_superuser("importer", "importer@example.org", "x-pw-1")
    client.force_login(user)
    return client


def admin_upload(client, name: str, mode: str | None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {
        "file": SimpleUploadedFile(name, (PUBLISHERS / name).read_bytes(), "application/xml"),
        "reporting_org": "",
    }
    if mode is not None:
        data["mode"] = mode
    return client.post("/admin/iati-import/", data)


def test_the_admin_screen_offers_the_mode_strict_first(admin_client):
    from bs4 import BeautifulSoup

    page = BeautifulSoup(admin_client.get("/admin/iati-import/").content, "html.parser")
    radios = page.select("form[enctype='multipart/form-data'] input[type=radio][name=mode]")
    assert [(radio["value"], radio.has_attr("checked")) for radio in radios] == [
        (STRICT, True),
        (PER_ACTIVITY, False),
    ]
    labels = page.select_one("form[enctype='multipart/form-data']").text
    assert "Rifiutare l'intero file" in labels  # the admin is in Italian
    assert "Importare le attività valide e saltare le altre" in labels


def test_the_admin_imports_activity_by_activity_and_offers_the_full_report(admin_client):
    from bs4 import BeautifulSoup

    before = state()
    strict = BeautifulSoup(
        admin_upload(admin_client, "gb-gov-1-dfid-al.xml", STRICT).content, "html.parser"
    )
    assert strict.select_one("[data-iati-report]")["data-iati-report"] == "refused"
    assert strict.select_one("input[name=token]") is None

    checked = BeautifulSoup(
        admin_upload(admin_client, "gb-gov-1-dfid-al.xml", PER_ACTIVITY).content, "html.parser"
    )
    report = checked.select_one("[data-iati-report]")
    assert report["data-iati-report"] == "checked"
    assert report.select_one("[data-iati-skipped-count]")["data-iati-skipped-count"] == "5"
    skipped = [li.text for li in report.select("[data-iati-skipped] li")]
    assert len(skipped) == 5 and skipped[0].startswith("GB-1-109616-101 (riga 28): capital-spend")
    assert state() == before  # the check is a dry run
    csv_link = report.select_one("[data-iati-report-csv]")["href"]
    rows = list(csv.DictReader(io.StringIO(admin_client.get(csv_link).getvalue().decode())))
    assert sum(row["level"] == "error" for row in rows) == 5
    assert len(rows) == len(report.select("[data-iati-errors] tbody tr")) + sum(
        1 for _ in report.select("[data-iati-warnings] tbody tr")
    )

    token = report.select_one("input[name=token]")["value"]
    applied = BeautifulSoup(
        admin_client.post("/admin/iati-import/", {"token": token}).content, "html.parser"
    )
    assert applied.select_one("[data-iati-report]")["data-iati-report"] == "applied"
    assert (
        Activity.objects.filter(iati_identifier__in=identifiers("gb-gov-1-dfid-al.xml")).count()
        == 3
    )


def test_a_skipped_activity_leaves_no_organisation_behind():
    # The first partner is new and valid; the second one's name is too long for the portal, so
    # the activity is refused after the first partner was created: that creation is undone.
    long_name = "N" * 1043
    data = (
        activity_file(8)
        .getvalue()
        .replace(
            b"</participating-org>",
            b'</participating-org><participating-org role="1" ref="XI-EXAMPLE-LONG">'
            b'<narrative xml:lang="en">' + long_name.encode() + b"</narrative></participating-org>",
            1,
        )
    )
    before = Organisation.objects.count()
    report = import_activity_file(stream=io.BytesIO(data), mode=PER_ACTIVITY)
    assert report.ok and report.applied
    assert [activity.identifier for activity in report.skipped] == ["XI-EXAMPLE-1-8"]
    assert any(issue.element == "organisation" for issue in report.skipped[0].issues)
    assert not Organisation.objects.filter(identifier__startswith="XI-EXAMPLE").exists()
    assert Organisation.objects.count() == before and not report.organisations_created


BUDGET = (
    '<budget type="1" status="1"><period-start iso-date="2024-01-01"/>'
    '<period-end iso-date="2024-12-31"/>{extra}'
    '<value currency="EUR" value-date="2024-01-01">1000</value>{value}</budget>'
)


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        (
            "</reporting-org>",
            '</reporting-org><reporting-org ref="XI-EXAMPLE-3" type="22">'
            '<narrative xml:lang="en">Other</narrative></reporting-org>',
            "reporting-org",
        ),
        ("<iati-activity >", '<iati-activity hierarchy="string">', "iati-activity"),
        (
            '<document-link url="',
            BUDGET.format(extra="", value='<value currency="EUR" value-date="2024-01-01">5</value>')
            + '<document-link url="',
            "budget",
        ),
        (
            '<document-link url="',
            BUDGET.format(extra='<period-end iso-date="2025-12-31"/>', value="")
            + '<document-link url="',
            "budget",
        ),
    ],
    ids=["second-reporting-org", "hierarchy-string", "second-budget-value", "second-period-end"],
)
def test_what_the_schema_forbids_is_an_error_never_dropped_silently(old, new, path):
    data = activity_file(9).getvalue().decode()
    assert old in data
    report = import_activity_file(
        stream=io.BytesIO(data.replace(old, new, 1).encode()), mode=PER_ACTIVITY
    )
    [skipped] = report.skipped
    assert skipped.identifier == "XI-EXAMPLE-1-9"
    assert any(issue.element.startswith(path) for issue in skipped.issues), skipped.issues
    assert not Activity.objects.filter(iati_identifier="XI-EXAMPLE-1-9").exists()


def test_the_readers_messages_are_in_the_users_language():
    kept_out = (
        activity_file(10)
        .getvalue()
        .replace(b"</document-link>", b'</document-link><legacy-data name="a" value="b"/>')
    )
    wrong_code = activity_file(11).getvalue().replace(b'code="2"/>', b'code="99"/>', 1)
    with translation.override("it"):
        report = import_activity_file(stream=io.BytesIO(kept_out), mode=PER_ACTIVITY)
        refused = import_activity_file(stream=io.BytesIO(wrong_code), mode=PER_ACTIVITY)
    assert report.applied and not report.skipped
    lost = [
        (issue.element, issue.message)
        for issue in report.warnings
        if issue.element.startswith("legacy-data")
    ]
    # Said once, by the reader, in Italian: the generic check knows it was said.
    assert lost == [
        ("legacy-data", "non conservato: il portale non ha un posto per questo elemento")
    ]
    [skipped] = refused.skipped
    assert [(issue.element, issue.message) for issue in skipped.issues] == [
        ("activity-status/@code", "«99» non è un codice della lista IATI ActivityStatus")
    ]
    with translation.override("it"):
        assert str(skipped.issues[0]).startswith(
            "riga 9, attività XI-EXAMPLE-1-11, activity-status/@code: «99»"
        )
