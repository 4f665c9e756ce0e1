"""Spreadsheet import: template, check with row-level errors, preview, all-or-nothing apply."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.models import ModelLogEntry, Revision

from opencoop.activities.models import Activity
from opencoop.imports.mapping import COLUMNS, SHEETS
from opencoop.imports.models import ImportRun
from tests.editorial.helpers import messages_text, refused, soup

from .conftest import ACTIVITY_HEADERS, BUDGET_HEADERS, TRANSACTION_HEADERS, workbook

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(client, authority, files, outcome=ImportRun.REVIEW):
    """Post the upload form; return the import run it created and the detail page."""
    response = client.post(
        reverse("imports:index"),
        {"reporting_org": authority.pk, "outcome": outcome, "files": files},
    )
    assert response.status_code == 302, messages_text(response)
    run = ImportRun.objects.latest_first().first()
    return run, client.get(response.url)


def xlsx(content: bytes, name: str = "projects.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


def errors_shown(page) -> list[tuple[str, str, str]]:
    return [
        (row["data-sheet"], row["data-row"], row["data-column"])
        for row in soup(page).select("[data-import-errors] tbody tr")
    ]


def good_workbook(code: str = "SCHOOLS") -> bytes:
    return workbook(
        {
            "activities": [
                ACTIVITY_HEADERS,
                [
                    code,
                    "Scuole a Bobo-Dioulasso",
                    "Schools in Bobo-Dioulasso",
                    "Aule e formazione.",
                    "Classrooms and training.",
                    "2",
                    datetime.date(2025, 1, 1),
                    "31/12/2026",
                    "BF",
                    "11120",
                    "4",
                ],
                [
                    "WELLS",
                    "Progetto WELLS",
                    "Wells for twelve villages",
                    "Descrizione WELLS.",
                    "Description WELLS.",
                    "2",
                    "2024-01-01",
                    "2025-12-31",
                    "BF:60; NE:40",
                    "14030",
                    "6",
                ],
            ],
            "budgets": [
                BUDGET_HEADERS,
                [code, "2025-01-01", "2025-12-31", 30000, "EUR"],
                [code, "2026-01-01", "2026-12-31", "25.000,50", ""],
            ],
            "transactions": [
                TRANSACTION_HEADERS,
                [code, "2", "2025-02-01", 55000, "Impegno"],
            ],
        }
    )


def test_the_templates_follow_the_column_mapping(login_admin):
    client = login_admin
    response = client.get(reverse("imports:template_xlsx"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["instructions", *SHEETS]
    for sheet in SHEETS:
        headings = [cell.value for cell in book[sheet][1]]
        assert headings == [column.header for column in COLUMNS[sheet]]
    archive = zipfile.ZipFile(io.BytesIO(client.get(reverse("imports:template_csv")).content))
    assert sorted(archive.namelist()) == ["activities.csv", "budgets.csv", "transactions.csv"]
    first_line = archive.read("budgets.csv").decode("utf-8-sig").splitlines()[0]
    assert first_line.split(",") == [column.header for column in COLUMNS["budgets"]]


# A valid new activity, the neighbour of the bad rows below.
SCHOOLS_ROW = [
    "SCHOOLS",
    "Scuole",
    "Schools",
    "Aule.",
    "Classrooms.",
    "2",
    "2025-01-01",
    "2026-12-31",
    "BF",
    "11120",
    "4",
]


def test_one_bad_row_changes_nothing_and_is_reported_by_sheet_row_and_column(
    login_admin, authority, existing
):
    content = workbook(
        {
            "activities": [
                ACTIVITY_HEADERS,
                SCHOOLS_ROW,
                [
                    "WELLS",
                    "Progetto WELLS",
                    "Wells renamed",
                    "",
                    "",
                    "2",
                    "2024-01-01",
                    "2025-12-31",
                    "BF",
                    "14030",
                    "6",
                ],
            ],
            "budgets": [
                BUDGET_HEADERS,
                ["SCHOOLS", "2025-01-01", "2025-12-31", 30000, "EUR"],
                ["SCHOOLS", "2026-12-31", "2026-01-01", 60000, "EUR"],
            ],
        }
    )
    before = Activity.objects.count()
    run, page = upload(login_admin, authority, [xlsx(content)])
    assert run.status == ImportRun.REFUSED
    assert errors_shown(page) == [("budgets", "3", "period_end")]
    assert soup(page).select_one("form button[type=submit]") is None  # nothing to apply
    assert Activity.objects.count() == before
    existing.refresh_from_db()
    assert existing.get_latest_revision_as_object().title["en"] == "Project WELLS"
    # Applying a refused run is not possible either.
    login_admin.post(reverse("imports:detail", args=[run.pk]))
    assert Activity.objects.count() == before
    assert ImportRun.objects.get(pk=run.pk).status == ImportRun.REFUSED


def test_a_negative_budget_row_is_refused_by_row_and_column_and_nothing_saved(
    login_admin, authority
):
    content = workbook(
        {
            "activities": [
                ACTIVITY_HEADERS,
                SCHOOLS_ROW,
            ],
            "budgets": [
                BUDGET_HEADERS,
                ["SCHOOLS", "2025-01-01", "2025-12-31", 30000, "EUR"],
                ["SCHOOLS", "2026-01-01", "2026-12-31", -30000, "EUR"],
            ],
        }
    )
    before = Activity.objects.count()
    run, page = upload(login_admin, authority, [xlsx(content)])
    assert run.status == ImportRun.REFUSED
    assert errors_shown(page) == [("budgets", "3", "amount")]
    assert "un budget deve essere maggiore di zero" in soup(page).select_one(
        "[data-import-errors] tbody"
    ).get_text(" ", strip=True)
    login_admin.post(reverse("imports:detail", args=[run.pk]))
    assert Activity.objects.count() == before


def test_unreadable_cells_and_unknown_references_name_their_place(login_admin, authority):
    content = workbook(
        {
            "activities": [
                ACTIVITY_HEADERS + ["colour"],
                ["A 1", "Uno", "", "", "", "9", "2025-13-01", "", "XX", "", "", "blue"],
            ],
            "transactions": [TRANSACTION_HEADERS, ["GHOST", "3", "2025-01-01", "ten", ""]],
        }
    )
    run, page = upload(login_admin, authority, [xlsx(content)])
    assert run.status == ImportRun.REFUSED
    assert set(errors_shown(page)) == {
        ("activities", "1", "colour"),
        ("activities", "2", "project_code"),
        ("activities", "2", "status"),
        ("activities", "2", "planned_start"),
        ("activities", "2", "recipient_countries"),
        ("transactions", "2", "amount"),
        ("transactions", "2", "project_code"),  # no activity GHOST
    }


def test_preview_shows_new_and_changed_activities_then_applies_them_for_review(
    login_admin, authority, existing, administrator
):
    run, page = upload(login_admin, authority, [xlsx(good_workbook())])
    assert run.status == ImportRun.CHECKED, run.errors
    preview = soup(page).select("[data-import-preview] tbody tr")
    created = [r for r in preview if r["data-action"] == "create"]
    changed = [r for r in preview if r["data-action"] == "change"]
    assert len(created) == 1 and "SCHOOLS" in created[0].get_text()
    cells = {
        r.select("td")[2].get_text(strip=True): (
            r.select("td")[3].get_text(strip=True),
            r.select("td")[4].get_text(strip=True),
        )
        for r in changed
    }
    title_change = next(v for k, v in cells.items() if k.endswith("(en)"))
    assert title_change == ("Project WELLS", "Wells for twelve villages")
    assert Activity.objects.filter(iati_identifier__endswith="-SCHOOLS").count() == 0

    response = login_admin.post(reverse("imports:detail", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == ImportRun.APPLIED
    assert run.summary == {"created": 1, "changed": 1, "unchanged": 0}
    new = Activity.objects.get(iati_identifier=f"{authority.identifier}-SCHOOLS")
    assert not new.live and new.workflow_in_progress
    draft = new.get_latest_revision_as_object()
    assert draft.title["en"] == "Schools in Bobo-Dioulasso"
    assert [(b.period_start.year, b.value) for b in draft.budgets.all()] == [
        (2025, 30000),
        (2026, 25000.5),
    ]
    assert [t.type for t in draft.transactions.all()] == ["2"]
    assert [p.organisation_id for p in draft.participating_orgs.all()] == [authority.pk]
    existing.refresh_from_db()
    assert existing.title["en"] == "Project WELLS"  # live text waits for the review
    assert existing.workflow_in_progress
    latest = existing.get_latest_revision_as_object()
    assert latest.title["en"] == "Wells for twelve villages"
    assert [(c.code, c.percentage) for c in latest.recipient_countries.all()] == [
        ("BF", 60),
        ("NE", 40),
    ]
    assert latest.revisions.latest("created_at").user == administrator
    home = soup(login_admin.get("/admin/")).select_one('[data-dashboard="imports"]')
    assert "projects.xlsx" in home.get_text()


def test_csv_files_import_like_the_workbook(login_admin, authority):
    activities = (
        "project_code;title_it;title_en;status;planned_start;planned_end\n"
        "MARKET;Mercato;Market;2;01/03/2025;28/02/2026\n"
    )
    files = [SimpleUploadedFile("activities.csv", activities.encode("utf-8"), "text/csv")]
    run, _page = upload(login_admin, authority, files, outcome=ImportRun.DRAFT)
    assert run.status == ImportRun.CHECKED, run.errors
    login_admin.post(reverse("imports:detail", args=[run.pk]))
    record = Activity.objects.get(iati_identifier=f"{authority.identifier}-MARKET")
    assert record.planned_start == datetime.date(2025, 3, 1)
    assert not record.live and not record.workflow_in_progress


def test_publishing_an_import_needs_records_that_would_validate(login_admin, authority):
    content = workbook({"activities": [["project_code", "title_it"], ["BARE", "Solo un titolo"]]})
    run, page = upload(login_admin, authority, [xlsx(content)], outcome=ImportRun.PUBLISH)
    assert run.status == ImportRun.REFUSED
    shown = errors_shown(page)
    assert ("activities", "2", "status") in shown
    assert ("activities", "2", "description_it") in shown
    assert not Activity.objects.filter(iati_identifier__endswith="-BARE").exists()


def test_publishing_an_import_makes_the_records_live(login_admin, authority):
    run, _page = upload(login_admin, authority, [xlsx(good_workbook("CLINIC"))], ImportRun.PUBLISH)
    assert run.status == ImportRun.CHECKED, run.errors
    login_admin.post(reverse("imports:detail", args=[run.pk]))
    record = Activity.objects.get(iati_identifier=f"{authority.identifier}-CLINIC")
    assert record.live and record.title["en"] == "Schools in Bobo-Dioulasso"


def test_a_published_import_leaves_one_revision_and_its_history_per_activity(
    login_admin, authority
):
    run, _page = upload(login_admin, authority, [xlsx(good_workbook("WATER"))], ImportRun.PUBLISH)
    login_admin.post(reverse("imports:detail", args=[run.pk]))
    record = Activity.objects.get(iati_identifier=f"{authority.identifier}-WATER")
    assert record.live and record.live_revision_id == record.latest_revision_id
    assert (
        Revision.objects.filter(object_id=str(record.pk), content_type__model="activity").count()
        == 1
    )
    assert [b["value"] for b in record.latest_revision.content["budgets"]] == ["30000", "25000.50"]
    actions = ModelLogEntry.objects.filter(object_id=str(record.pk), content_type__model="activity")
    assert sorted(actions.values_list("action", flat=True)) == ["wagtail.create", "wagtail.publish"]


def test_only_administrators_import(client, editor):
    client.force_login(editor)
    assert refused(client.get(reverse("imports:index")))
    assert refused(client.get(reverse("imports:template_xlsx")))


def test_the_command_checks_applies_and_dry_runs(tmp_path, authority, administrator, existing):
    path = tmp_path / "projects.xlsx"
    path.write_bytes(good_workbook())
    call_command(
        "import_spreadsheet",
        str(path),
        authority=authority.slug,
        user=administrator.username,
        outcome="draft",
        dry_run=True,
    )
    assert not Activity.objects.filter(iati_identifier__endswith="-SCHOOLS").exists()
    call_command(
        "import_spreadsheet",
        str(path),
        authority=authority.slug,
        user=administrator.username,
        outcome="draft",
    )
    assert Activity.objects.filter(iati_identifier__endswith="-SCHOOLS", live=False).exists()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        workbook({"budgets": [BUDGET_HEADERS, ["NOPE", "2025-01-01", "2025-12-31", 1, ""]]})
    )
    with pytest.raises(CommandError, match="1 errors"):
        call_command(
            "import_spreadsheet", str(bad), authority=authority.slug, user=administrator.username
        )
