"""Background jobs: queued in the database, run by the worker, followed and kept in the admin."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from lxml import etree
from wagtail.users.models import UserProfile

from opencoop.activities.models import Activity
from opencoop.iati.importer import import_activity_file
from opencoop.imports.models import ImportRun
from opencoop.jobs import tasks
from opencoop.jobs.models import Job
from opencoop.jobs.services import progress_of, record_progress, start_job
from tests.editorial.helpers import refused
from tests.factories import make_full_activity

from .conftest import many_activities, page, run_worker, words

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data" / "iati"
IATI_URL = "/admin/iati-import/"


def upload_iati(client, path: Path, reporting_org: str = ""):
    data = {"file": SimpleUploadedFile(path.name, path.read_bytes(), "application/xml")}
    return client.post(IATI_URL, {**data, "reporting_org": reporting_org})


def test_a_large_iati_upload_becomes_a_job_that_the_worker_runs_to_its_report(
    superuser_client, every_upload_a_job, django_capture_on_commit_callbacks
):
    before = Activity.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_iati(superuser_client, DATA / "foreign-2.02.xml")
    job = Job.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("jobs:detail", args=[job.pk])
    # Queued in the database: nothing has run yet, and the page says so and reloads itself.
    queued = DBTaskResult.objects.get()
    assert queued.status == "READY" and str(queued.id) == job.task_id
    assert (job.status, job.kind, job.params["dry_run"]) == (Job.QUEUED, Job.IATI_IMPORT, True)
    waiting = superuser_client.get(response.url)
    assert waiting["Refresh"] == "3"
    assert page(waiting).select_one("[data-job-status]")["data-job-status"] == "queued"

    run_worker()

    job.refresh_from_db()
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert job.status == Job.DONE
    assert (job.rows_done, job.rows_total) == (3, 3)
    assert job.report["read"] == 3 and job.report["ok"] is True
    assert sorted(job.report["created"]) == [
        "XI-EXAMPLE-NGO2-A",
        "XI-EXAMPLE-NGO2-B",
        "XI-EXAMPLE-NGO2-C",
    ]
    assert Activity.objects.count() == before  # a check: nothing written
    done = superuser_client.get(response.url)
    assert "Refresh" not in done
    html = page(done)
    assert html.select_one("[data-iati-report]")["data-iati-report"] == "checked"
    assert len(html.select("[data-iati-created] li")) == 3

    # "Apply" is a second job on the same file; the file is removed once applied.
    with django_capture_on_commit_callbacks(execute=True):
        applied = superuser_client.post(reverse("jobs:apply", args=[job.pk]))
    applying = Job.objects.latest_first().first()
    assert applied.url == reverse("jobs:detail", args=[applying.pk])
    stored = applying.inputs[0]
    run_worker()
    applying.refresh_from_db()
    assert applying.report["applied"] is True and applying.status == Job.DONE
    assert Activity.objects.count() == before + 3
    assert not default_storage.exists(stored)
    # The report stays, reachable from the list of jobs.
    listing = page(superuser_client.get(reverse("jobs:index")))
    assert [row["data-job"] for row in listing.select("[data-jobs] tbody tr")] == [
        str(applying.pk),
        str(job.pk),
    ]
    kept = page(superuser_client.get(reverse("jobs:detail", args=[applying.pk])))
    assert kept.select_one("[data-iati-report]")["data-iati-report"] == "applied"


def test_a_refused_file_lists_its_errors_and_changes_nothing(
    superuser_client, every_upload_a_job, django_capture_on_commit_callbacks
):
    broken = b'<?xml version="1.0"?>\n<iati-activities version="2.03"><iati-activity>'
    with django_capture_on_commit_callbacks(execute=True):
        superuser_client.post(
            IATI_URL, {"file": SimpleUploadedFile("broken.xml", broken), "reporting_org": ""}
        )
    run_worker()
    job = Job.objects.get()
    assert job.status == Job.FAILED and job.report["ok"] is False
    assert job.errors_so_far and job.errors_so_far[0]["message"]
    html = page(superuser_client.get(reverse("jobs:detail", args=[job.pk])))
    assert html.select_one("[data-iati-report]")["data-iati-report"] == "refused"
    assert html.select("[data-job-errors] tbody tr")
    assert html.select_one(f"form[action='{reverse('jobs:apply', args=[job.pk])}']") is None


def test_progress_moves_while_the_import_runs(superuser_client, monkeypatch, settings):
    settings.OPENCOOP_JOB_THRESHOLD_MB = 0
    seen: list[tuple[int, int]] = []
    real = tasks.record_progress

    def spy(job_id: int, *, done: int, total: int, errors=None) -> None:
        real(job_id, done=done, total=total, errors=errors)
        job = Job.objects.get(pk=job_id)
        shown = superuser_client.get(reverse("jobs:progress", args=[job_id])).json()
        seen.append((shown["rows_done"], shown["rows_total"]))
        assert job.status == Job.RUNNING

    monkeypatch.setattr(tasks, "record_progress", spy)
    monkeypatch.setattr(tasks, "PROGRESS_EVERY", 0)
    job = start_job(
        kind=Job.IATI_IMPORT,
        user=superuser_client.user,
        params={"dry_run": True, "publish": True, "base_url": "http://testserver/"},
        uploads=[SimpleUploadedFile("many.xml", many_activities(400))],
        file_name="many.xml",
    )
    tasks.run_job.call(job.pk)
    assert seen[0] == (0, 400)
    assert seen[-1][1] == 400
    done_values = [done for done, _total in seen]
    assert done_values == sorted(done_values) and len(set(done_values)) >= 3
    job.refresh_from_db()
    assert (job.rows_done, job.rows_total, job.report["read"]) == (400, 400, 400)
    assert progress_of(job)["percent"] == 100


def test_the_page_shows_the_live_progress_and_errors_so_far(superuser_client, authority):
    job = Job.objects.create(
        kind=Job.IATI_EXPORT, user=superuser_client.user, authority=authority, status=Job.RUNNING
    )
    record_progress(
        job.pk, done=40, total=160, errors=[{"identifier": "XI-EXAMPLE-1", "message": "no title"}]
    )
    html = page(superuser_client.get(reverse("jobs:detail", args=[job.pk])))
    assert words(html.select_one("[data-job-rows]")) == "40 of 160 (25%)"
    assert html.select_one("progress")["value"] == "40"
    assert [words(td) for td in html.select("[data-job-errors] td")] == [
        "XI-EXAMPLE-1",
        "no title",
    ]
    shown = superuser_client.get(reverse("jobs:progress", args=[job.pk])).json()
    assert (shown["rows_done"], shown["rows_total"], shown["percent"]) == (40, 160, 25)


def test_a_user_of_another_authority_cannot_see_the_job(client, editor, other_editor, authority):
    job = Job.objects.create(kind=Job.CRS_EXPORT, user=editor, authority=authority)
    client.force_login(other_editor)
    for name in ("detail", "progress", "output", "issues-csv"):
        assert refused(client.get(reverse(f"jobs:{name}", args=[job.pk]))), name
    assert refused(client.post(reverse("jobs:apply", args=[job.pk])))
    assert page(client.get(reverse("jobs:index"))).select("[data-jobs] tbody tr") == []
    client.force_login(editor)
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 200
    rows = page(client.get(reverse("jobs:index"))).select("[data-jobs] tbody tr")
    assert [row["data-job"] for row in rows] == [str(job.pk)]


def test_an_export_of_a_whole_authority_is_a_file_to_download(
    client, editor, authority, django_capture_on_commit_callbacks
):
    make_full_activity(authority)
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("jobs:index"),
            {"export-authority": authority.pk, "export-kind": Job.IATI_EXPORT, "export-year": ""},
        )
    job = Job.objects.get()
    assert response.url == reverse("jobs:detail", args=[job.pk])
    run_worker()
    job.refresh_from_db()
    assert job.status == Job.DONE, job.report
    assert (job.rows_done, job.rows_total) == (3, 3)  # the activity, its programme and child
    download = client.get(reverse("jobs:output", args=[job.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    root = etree.fromstring(b"".join(download.streaming_content))
    assert sorted(a.findtext("iati-identifier") for a in root.iter("iati-activity")) == sorted(
        Activity.objects.filter(reporting_org=authority).values_list("iati_identifier", flat=True)
    )
    assert job.report == {"written": 3, "left_out": 0, "bytes": job.output.size}


def test_an_authority_with_nothing_to_publish_gets_the_reasons(
    superuser_client, authority, django_capture_on_commit_callbacks
):
    from tests.factories import make_activity

    make_activity(authority, "BARE", description={})
    with django_capture_on_commit_callbacks(execute=True):
        start_job(kind=Job.IATI_EXPORT, user=superuser_client.user, authority=authority)
    run_worker()
    job = Job.objects.get()
    assert job.status == Job.FAILED and not job.output
    assert any("description" in error["message"] for error in job.errors_so_far), job.errors_so_far


def test_a_crs_export_and_a_reindex_run_as_jobs(
    superuser_client, authority, django_capture_on_commit_callbacks
):
    make_full_activity(authority)
    with django_capture_on_commit_callbacks(execute=True):
        superuser_client.post(
            reverse("jobs:index"),
            {"export-authority": authority.pk, "export-kind": Job.CRS_EXPORT, "export-year": 2024},
        )
        superuser_client.post(reverse("jobs:index"), {"reindex-authority": authority.pk})
    run_worker()
    reindex, crs = Job.objects.latest_first()
    assert (crs.kind, crs.status, reindex.kind, reindex.status) == (
        Job.CRS_EXPORT,
        Job.DONE,
        Job.REINDEX,
        Job.DONE,
    )
    lines = crs.output.open("rb").read().decode().splitlines()
    assert lines[0].startswith("year,donor_code,") and lines[1].startswith("2024,")
    assert len(lines) == 1 + crs.report["rows"] == 1 + crs.rows_done == 1 + crs.rows_total
    assert reindex.report == {"indexed": 3}  # the activity, its programme and child


def test_a_large_spreadsheet_is_checked_and_applied_by_jobs(
    client, every_upload_a_job, django_capture_on_commit_callbacks
):
    from opencoop.editorial.roles import ADMINISTRATOR
    from tests.factories import make_activity, make_reporting_org, make_user
    from tests.imports.conftest import authority as _authority  # noqa: F401
    from tests.imports.test_imports import good_workbook, xlsx

    authority = make_reporting_org()
    make_activity(authority, "WELLS").save_revision().publish()
    client.force_login(make_user("sheet-admin", ADMINISTRATOR))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("imports:index"),
            {
                "reporting_org": authority.pk,
                "outcome": ImportRun.DRAFT,
                "files": xlsx(good_workbook()),
            },
        )
    check = Job.objects.get()
    assert (
        response.url == reverse("jobs:detail", args=[check.pk]) and not ImportRun.objects.exists()
    )
    run_worker()
    check.refresh_from_db()
    run = ImportRun.objects.get()
    assert check.status == Job.DONE and check.report["run"] == run.pk
    assert (check.rows_done, check.rows_total) == (5, 5)
    link = page(client.get(reverse("jobs:detail", args=[check.pk]))).select_one(
        "[data-job-report] a"
    )
    assert link["href"] == reverse("imports:detail", args=[run.pk])

    with django_capture_on_commit_callbacks(execute=True):
        applied = client.post(reverse("imports:detail", args=[run.pk]))
    applying = Job.objects.latest_first().first()
    assert applying.kind == Job.SPREADSHEET_APPLY
    assert applied.url == reverse("jobs:detail", args=[applying.pk])
    run_worker()
    run.refresh_from_db()
    applying.refresh_from_db()
    assert run.status == ImportRun.APPLIED and applying.status == Job.DONE
    assert applying.report["summary"] == {"created": 1, "changed": 1, "unchanged": 0}
    assert Activity.objects.filter(reporting_org=authority).count() == 2


def test_the_job_page_speaks_italian(superuser_client, authority):
    profile = UserProfile.get_for_user(superuser_client.user)
    profile.preferred_language = "it"
    profile.save()
    job = Job.objects.create(
        kind=Job.CRS_EXPORT, user=superuser_client.user, authority=authority, status=Job.RUNNING
    )
    record_progress(job.pk, done=2, total=8, errors=[{"identifier": "X", "message": "m"}])
    html = page(superuser_client.get(reverse("jobs:detail", args=[job.pk])))
    text = words(html)
    assert words(html.select_one("[data-job-rows]")) == "2 di 8 (25%)"
    assert words(html.select_one("[data-job-status-label]")) == "in corso"
    assert "Errori finora" in text
    assert "Questa pagina si ricarica da sola" in text
    for english in ("Rows done", "Errors so far", "This page reloads"):
        assert english not in text


def test_a_checked_file_never_applied_is_removed_after_a_day(superuser_client, authority):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    name = default_storage.save("jobs/old.xml", ContentFile(b"<iati-activities/>"))
    old = Job.objects.create(
        kind=Job.IATI_IMPORT,
        user=superuser_client.user,
        status=Job.DONE,
        params={"dry_run": True},
        inputs=[name],
        finished_at=timezone.now() - timezone.timedelta(days=2),
    )
    start_job(kind=Job.REINDEX, user=superuser_client.user, authority=authority)
    old.refresh_from_db()
    assert old.inputs == [] and not default_storage.exists(name)
    response = superuser_client.post(reverse("jobs:apply", args=[old.pk]), follow=True)
    assert "no longer waiting to be applied" in words(page(response))
    assert Job.objects.filter(kind=Job.IATI_IMPORT).count() == 1


def test_the_full_report_of_an_import_job_downloads_as_csv(superuser_client):
    report = import_activity_file(stream=(DATA / "foreign-2.01.xml").open("rb"), dry_run=True)
    issues = [*report.errors, *report.warnings]
    assert len(issues) > 1
    job = Job.objects.create(
        kind=Job.IATI_IMPORT, status=Job.DONE, report=tasks.iati_report_json(report)
    )
    html = page(superuser_client.get(reverse("jobs:detail", args=[job.pk])))
    link = html.select_one(f"a[href='{reverse('jobs:issues-csv', args=[job.pk])}']")
    assert link is not None
    response = superuser_client.get(link["href"])
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))
    assert rows[0] == ["level", "line", "activity", "element", "message"]
    assert [(row[0], row[2], row[4]) for row in rows[1:]] == [
        (issue.level, issue.identifier, issue.message) for issue in issues
    ]
