"""The spreadsheet import's service on files of hundreds of rows: all or nothing, read once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import ModelLogEntry, Revision, TaskState, WorkflowState

from opencoop.activities.models import Activity
from opencoop.imports.models import ImportRun
from opencoop.imports.reader import Row
from opencoop.imports.services import ImportRefused, apply_import, check_upload, plan_import
from tests.factories import (
    make_activity,
    make_organisation,
    make_reporting_org,
    spreadsheet_projects,
)

pytestmark = pytest.mark.django_db


def check(rows: list[Row], authority, user, outcome: str = ImportRun.REVIEW) -> ImportRun:
    run, _plan = check_upload(
        rows=rows,
        read_errors=[],
        reporting_org=authority,
        user=user,
        file_name="projects.xlsx",
        outcome=outcome,
    )
    return run


def written() -> tuple[int, ...]:
    """Count what an import writes: activities, revisions, history, reviews."""
    return (
        Activity.objects.count(),
        Revision.objects.count(),
        ModelLogEntry.objects.count(),
        WorkflowState.objects.count(),
        TaskState.objects.count(),
    )


def test_a_bad_cell_on_row_700_refuses_the_file_naming_it_and_writes_nothing(
    authority, administrator
):
    rows = spreadsheet_projects(699)
    bad = rows[-2]
    rows[-2] = Row(bad.sheet, bad.number, {**bad.cells, "planned_start": "2025-13-01"})
    before = written()

    run = check(rows, authority, administrator)

    assert bad.number == 700
    assert run.status == ImportRun.REFUSED
    assert [(e["sheet"], e["row"], e["column"]) for e in run.errors] == [
        ("activities", 700, "planned_start")
    ]
    assert "2025-13-01" in run.errors[0]["message"]
    assert written() == before


def test_a_row_that_no_longer_passes_when_applied_stops_all_700_and_is_named(
    authority, administrator
):
    rows = spreadsheet_projects(699)
    run = check(rows, authority, administrator)
    assert run.status == ImportRun.CHECKED, run.errors[:3]
    # Between the check and the apply, another authority takes the identifier of row 700.
    other = make_reporting_org(identifier="XM-OTHER", slug="other-authority")
    make_activity(other, iati_identifier=f"{authority.identifier}-P0700")
    before = written()

    with pytest.raises(ImportRefused):
        apply_import(run=run, user=administrator)

    run.refresh_from_db()
    assert run.status == ImportRun.FAILED
    assert [(e["sheet"], e["row"], e["column"]) for e in run.errors] == [
        ("activities", 700, "project_code")
    ]
    assert f"{authority.identifier}-P0700" in run.errors[0]["message"]
    assert written() == before
    assert not Activity.objects.filter(reporting_org=authority).exists()


def test_checking_and_applying_take_as_many_queries_for_30_projects_as_for_3(
    authority, administrator
):
    counts = []
    for first, count in ((1, 3), (100, 30)):
        rows = [
            Row(
                r.sheet, r.number, {**r.cells, "project_code": f"{r.cells['project_code']}-{first}"}
            )
            for r in spreadsheet_projects(count)
        ]
        with CaptureQueriesContext(connection) as checking:
            run = check(rows, authority, administrator)
        with CaptureQueriesContext(connection) as applying:
            apply_import(run=run, user=administrator)
        counts.append((len(checking), len(applying)))
    assert counts[1][0] <= counts[0][0] and counts[1][1] <= counts[0][1], counts
    assert WorkflowState.objects.filter(status=WorkflowState.STATUS_IN_PROGRESS).count() == 33


def test_the_implementing_partner_is_found_by_identifier_or_slug_once_per_file(
    authority, administrator
):
    partner = make_organisation(identifier="XM-DAC-PARTNER", slug="ponte")
    rows = spreadsheet_projects(3)
    rows[0].cells["implementing_org"] = "XM-DAC-PARTNER"
    rows[2].cells["implementing_org"] = "ponte"
    rows[4].cells["implementing_org"] = "NOBODY"

    plan = plan_import(rows=rows, reporting_org=authority)

    assert [(e["row"], e["column"]) for e in plan.errors] == [(4, "implementing_org")]
    assert "NOBODY" in plan.errors[0]["message"]
    implementing = [
        [(p.organisation, p.role) for p in item.activity.participating_orgs.all()]
        for item in plan.activities
    ]
    assert implementing[0] == [(authority, "2"), (partner, "4")]
    assert implementing[1] == [(authority, "2"), (partner, "4")]


def test_a_changed_activity_is_compared_with_its_draft_not_its_public_version(
    authority, administrator
):
    record = make_activity(authority, "DRAFTED")
    record.save_revision().publish()
    record.title = {**record.title, "en": "Drafted title"}
    record.save_revision()  # a draft over the public version
    assert Activity.objects.get(pk=record.pk).has_unpublished_changes
    rows = [
        Row(
            "activities",
            2,
            {"project_code": "DRAFTED", "title_en": "Imported title", "planned_end": "2030-12-31"},
        )
    ]

    plan = plan_import(rows=rows, reporting_org=authority)

    assert not plan.errors, plan.errors
    (item,) = plan.activities
    title = next(c for c in item.changes if c.what.endswith("(en)"))
    assert (title.before, title.after) == ("Drafted title", "Imported title")
    run = check(rows, authority, administrator, outcome=ImportRun.DRAFT)
    apply_import(run=run, user=administrator)
    latest = Activity.objects.get(pk=record.pk).get_latest_revision_as_object()
    assert latest.title["en"] == "Imported title"
    assert str(latest.planned_end) == "2030-12-31"
    assert Activity.objects.get(pk=record.pk).title["en"] != "Imported title"  # still a draft


def test_applying_tells_the_rows_done_after_each_batch_and_unchanged_rows_at_once(
    authority, administrator, monkeypatch
):
    monkeypatch.setattr("opencoop.core.writes.BATCH", 2)
    rows = spreadsheet_projects(5)  # 5 activity rows and 5 budget rows
    heard: list[int] = []

    apply_import(
        run=check(rows, authority, administrator, ImportRun.DRAFT),
        user=administrator,
        progress=heard.append,
    )

    # Nothing unchanged, then batches of 2, 2 and 1 activities with a budget row each.
    assert heard == [0, 4, 8, 10]
    assert Activity.objects.filter(reporting_org=authority).count() == 5

    rows[2] = Row(rows[2].sheet, rows[2].number, {**rows[2].cells, "title_en": "Renamed"})
    heard.clear()
    plan = apply_import(
        run=check(rows, authority, administrator, ImportRun.DRAFT),
        user=administrator,
        progress=heard.append,
    )

    assert plan.summary == {"created": 0, "changed": 1, "unchanged": 4}
    assert heard == [8, 10]


def test_the_apply_job_records_its_progress_batch_by_batch(authority, administrator, monkeypatch):
    from opencoop.jobs import tasks
    from opencoop.jobs.models import Job
    from opencoop.jobs.services import progress_of

    monkeypatch.setattr("opencoop.core.writes.BATCH", 2)
    run = check(spreadsheet_projects(3), authority, administrator)
    job = Job.objects.create(
        kind=Job.SPREADSHEET_APPLY,
        user=administrator,
        authority=authority,
        params={"run": run.pk},
        status=Job.RUNNING,
    )
    seen: list[tuple[int, int]] = []
    record = tasks.record_progress

    def recording(job_id: int, *, done: int, total: int, errors=None) -> None:
        record(job_id, done=done, total=total, errors=errors)
        state = progress_of(Job.objects.get(pk=job_id))
        seen.append((state["rows_done"], state["rows_total"]))

    monkeypatch.setattr(tasks, "record_progress", recording)

    tasks.run_spreadsheet_apply(job)

    assert seen == [(0, 6), (0, 6), (4, 6), (6, 6)]
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total) == (Job.DONE, 6, 6)
