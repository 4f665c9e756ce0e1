"""The work of each kind of job, run by the worker (``manage.py db_worker --backend jobs``).

Each runner calls the same service the management command or the admin screen calls, reports
its progress through ``record_progress`` and returns the report the job keeps.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import os
import re
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django_tasks import task

from .models import Job
from .services import finish_job, mark_running, record_progress, remove_inputs

logger = logging.getLogger(__name__)

ACTIVITY_START_RE = re.compile(rb"<iati-activity[\s>]")
REINDEX_CHUNK = 500
# The importer reports after each block the parser reads; the cache is written at most this often.
PROGRESS_EVERY = 0.5


def throttled(job_id: int, total: int) -> Callable[[int, int], None]:
    """Return an importer progress callback that records activities read, now and then."""
    last = [0.0]

    def progress(_bytes: int, read: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY:
            last[0] = now
            record_progress(job_id, done=read, total=total)

    return progress


@task(backend="jobs")
def run_job(job_id: int) -> str:
    """Run job ``job_id`` and record how it ended; return its status."""
    job = Job.objects.select_related("authority", "user").get(pk=job_id)
    if job.is_over:
        return job.status
    mark_running(job)
    try:
        RUNNERS[job.kind](job)
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        finish_job(job, report={"error": f"{type(exc).__name__}: {exc}"}, failed=True)
    return job.status


def _issue(issue) -> dict[str, Any]:
    return dataclasses.asdict(issue)


# IATI import -------------------------------------------------------------------------------------
def count_activities(path_or_stream: io.BufferedIOBase) -> int:
    """Count the ``iati-activity`` elements of a file by a quick scan (the total to show)."""
    count, tail = 0, b""
    for chunk in iter(lambda: path_or_stream.read(1 << 20), b""):
        data = tail + chunk
        count += len(ACTIVITY_START_RE.findall(data))
        # Keep the end, in case an element name is cut between two chunks, without counting twice.
        cut = max(0, len(data) - 16)
        count -= len(ACTIVITY_START_RE.findall(data[cut:]))
        tail = data[cut:]
    return count + len(ACTIVITY_START_RE.findall(tail))


def iati_report_json(report) -> dict[str, Any]:
    """Return an ``ImportReport`` as JSON, with ``ok`` as the import screen reads it."""
    data = dataclasses.asdict(report)
    data["ok"] = report.ok
    data["summary"] = report.summary()
    return data


def run_iati_import(job: Job) -> None:
    from opencoop.iati.importer import import_activity_file

    name = job.inputs[0]
    with default_storage.open(name, "rb") as stream:
        total = count_activities(stream)
    record_progress(job.pk, done=0, total=total)
    dry_run = job.params.get("dry_run", True)
    with default_storage.open(name, "rb") as stream:
        report = import_activity_file(
            stream=stream,
            file_name=job.file_name,
            user=job.user,
            reporting_org=job.params.get("reporting_org", ""),
            dry_run=dry_run,
            publish=job.params.get("publish", False),
            base_url=job.params.get("base_url"),
            progress=throttled(job.pk, total),
            mode=job.params.get("mode", "strict"),
        )
    data = iati_report_json(report)
    finish_job(
        job,
        report=data,
        failed=not report.ok,
        done=report.read,
        total=max(total, report.read),
        errors=data["errors"],
    )
    # A checked file waits for "Apply"; an applied or refused one is no longer needed.
    if report.applied or not report.ok:
        remove_inputs(job)


# Spreadsheet import ------------------------------------------------------------------------------
def run_spreadsheet_check(job: Job) -> None:
    from opencoop.imports.reader import read_upload
    from opencoop.imports.services import check_upload

    files = []
    for name in job.inputs:
        with default_storage.open(name, "rb") as stream:
            files.append((os.path.basename(name), stream.read()))
    book = read_upload(files)
    record_progress(job.pk, done=0, total=len(book.rows), errors=book.errors)
    run, _plan = check_upload(
        rows=book.rows,
        read_errors=book.errors,
        reporting_org=job.authority,
        user=job.user,
        file_name=job.file_name,
        outcome=job.params["outcome"],
    )
    finish_job(
        job,
        report={"run": run.pk, "status": run.status, "summary": run.summary},
        failed=bool(run.errors),
        done=len(book.rows),
        total=len(book.rows),
        errors=run.errors,
    )
    remove_inputs(job)


def run_spreadsheet_apply(job: Job) -> None:
    from opencoop.imports.models import ImportRun
    from opencoop.imports.services import ImportRefused, apply_import

    run = ImportRun.objects.get(pk=job.params["run"])
    total = len(run.records)
    record_progress(job.pk, done=0, total=total)

    def progress(done: int) -> None:
        record_progress(job.pk, done=done, total=total)

    try:
        plan = apply_import(run=run, user=job.user, progress=progress)
    except ImportRefused as refused:
        errors = refused.plan.errors
        finish_job(
            job,
            report={"run": run.pk, "status": run.status},
            failed=True,
            done=0,
            total=total,
            errors=errors,
        )
        return
    finish_job(
        job,
        report={"run": run.pk, "status": run.status, "summary": plan.summary},
        done=total,
        total=total,
        errors=[],
    )


# Exports -----------------------------------------------------------------------------------------
def _write_output(job: Job, name: str, pieces, *, on_piece: Callable[[], None]) -> int:
    """Write ``pieces`` (bytes) to a temporary file, then keep it as the job's result file."""
    import tempfile

    size = 0
    with tempfile.TemporaryFile() as handle:
        for piece in pieces:
            handle.write(piece)
            size += len(piece)
            on_piece()
        handle.seek(0)
        job.output.save(name, File(handle), save=False)
    job.save(update_fields=["output"])
    return size


def run_iati_export(job: Job) -> None:
    from opencoop.iati.export import (
        NothingToPublish,
        iter_activities_xml,
        left_out_message,
        reporting_org_activities,
    )

    organisation = job.authority
    activities = reporting_org_activities(organisation)
    total = activities.count()
    left_out: list[dict] = []
    # Pieces: the document's start, one per activity written, the end.
    written = -1

    def note_left_out(activity, missing) -> None:
        left_out.append(
            {
                "identifier": activity.iati_identifier,
                "message": left_out_message(activity, missing),
            }
        )
        record_progress(job.pk, done=_done(), total=total, errors=left_out)

    def _done() -> int:
        return min(total, max(0, written) + len(left_out))

    def note_written() -> None:
        nonlocal written
        written += 1
        record_progress(job.pk, done=_done(), total=total, errors=left_out)

    record_progress(job.pk, done=0, total=total)
    try:
        pieces = iter_activities_xml(
            activities,
            base_url=job.params.get("base_url"),
            left_out=note_left_out,
            processes=settings.OPENCOOP_EXPORT_PROCESSES,
        )
    except NothingToPublish:
        finish_job(
            job,
            report={"written": 0, "left_out": len(left_out)},
            failed=True,
            done=total,
            total=total,
            errors=left_out
            + [{"message": "No public activity has every element IATI 2.03 requires."}],
        )
        return
    size = _write_output(
        job, f"{organisation.identifier}-activities.xml", pieces, on_piece=note_written
    )
    finish_job(
        job,
        report={"written": total - len(left_out), "left_out": len(left_out), "bytes": size},
        done=total,
        total=total,
        errors=left_out,
    )


def run_crs_export(job: Job) -> None:
    """Write the CRS table of one year; its rows (one per activity and country) are counted as
    they are written, their number known only at the end."""
    from opencoop.opendata.crs import iter_crs_csv

    organisation, year = job.authority, int(job.params["year"])
    lang = job.params.get("lang", "en")
    done = -1  # the first line is the header

    def note_line() -> None:
        nonlocal done
        done += 1
        record_progress(job.pk, done=max(0, done), total=0)

    lines = (line.encode("utf-8") for line in iter_crs_csv(organisation, year, lang))
    name = f"{organisation.identifier}-crs-{year}.csv"
    size = _write_output(job, name, lines, on_piece=note_line)
    finish_job(job, report={"rows": done, "bytes": size}, done=done, total=done, errors=[])


# Re-indexing -------------------------------------------------------------------------------------
def run_reindex(job: Job) -> None:
    """Index an authority's activities again, in chunks; without an authority, everything."""
    if job.authority is None:
        out = io.StringIO()
        record_progress(job.pk, done=0, total=1)
        call_command("update_index", stdout=out, stderr=out)
        finish_job(job, report={"output": out.getvalue()[-4000:]}, done=1, total=1, errors=[])
        return
    from opencoop.activities.models import Activity
    from opencoop.core.writes import index_records

    ids = list(
        Activity.objects.filter(reporting_org=job.authority)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), REINDEX_CHUNK):
        record_progress(job.pk, done=start, total=len(ids))
        index_records(Activity, ids[start : start + REINDEX_CHUNK])
    finish_job(job, report={"indexed": len(ids)}, done=len(ids), total=len(ids), errors=[])


RUNNERS: dict[str, Callable[[Job], None]] = {
    Job.IATI_IMPORT: run_iati_import,
    Job.SPREADSHEET_CHECK: run_spreadsheet_check,
    Job.SPREADSHEET_APPLY: run_spreadsheet_apply,
    Job.IATI_EXPORT: run_iati_export,
    Job.CRS_EXPORT: run_crs_export,
    Job.REINDEX: run_reindex,
}
