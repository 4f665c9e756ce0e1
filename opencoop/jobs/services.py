"""Start a job, record its progress while it runs, and close it with its report.

The worker writes progress to the ``jobs`` cache rather than to the job's row: an import runs in
one transaction, and the row would show nothing new to the web process before the commit.
``progress_of`` merges the two, so the job page reads one place.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.core.cache import caches
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from .models import Job, job_file_path

logger = logging.getLogger(__name__)

# Errors listed while a job runs; the report keeps them all.
ERRORS_LISTED = 50
PROGRESS_SECONDS = 24 * 3600
# A checked file not applied within this time is removed; "Apply" then asks for it again.
KEEP_INPUTS = datetime.timedelta(days=1)


def _progress_key(job_id: int) -> str:
    return f"job-progress:{job_id}"


def start_job(
    *,
    kind: str,
    user,
    authority=None,
    params: dict[str, Any] | None = None,
    uploads: list[File] | None = None,
    file_name: str = "",
) -> Job:
    """Record a job, keep its uploads in storage and queue it for the worker; return it."""
    remove_stale_inputs()
    job = Job(
        kind=kind, user=user, authority=authority, params=params or {}, file_name=file_name[:255]
    )
    job.inputs = [
        default_storage.save(job_file_path(job, upload.name), upload) for upload in uploads or []
    ]
    job.save()
    queue(job)
    return job


def queue(job: Job) -> None:
    """Hand ``job`` to the worker once its row is committed, so that the worker finds it."""
    from .tasks import run_job

    def enqueue() -> None:
        result = run_job.enqueue(job.pk)
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id))

    transaction.on_commit(enqueue)


def _plain(errors: list[dict] | None) -> list[dict]:
    """Return the first errors with texts as plain strings (translations may be lazy)."""
    return [
        {key: str(value) if key == "message" else value for key, value in error.items()}
        for error in (errors or [])[:ERRORS_LISTED]
    ]


def record_progress(
    job_id: int, *, done: int, total: int, errors: list[dict] | None = None
) -> None:
    """Say how far job ``job_id`` is: ``done`` of ``total`` rows, the errors met so far."""
    caches["jobs"].set(
        _progress_key(job_id),
        {"rows_done": done, "rows_total": total, "errors_so_far": _plain(errors)},
        PROGRESS_SECONDS,
    )


def progress_of(job: Job) -> dict[str, Any]:
    """Return the job's status, rows done and in all, and errors so far, as the page shows them."""
    state = {
        "id": job.pk,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "errors_so_far": job.errors_so_far[:ERRORS_LISTED],
        "over": job.is_over,
    }
    if job.status == Job.RUNNING:
        state.update(caches["jobs"].get(_progress_key(job.pk)) or {})
    total = state["rows_total"]
    state["percent"] = min(100, round(100 * state["rows_done"] / total)) if total else None
    return state


def mark_running(job: Job) -> None:
    job.status, job.started_at = Job.RUNNING, timezone.now()
    job.save(update_fields=["status", "started_at"])


def finish_job(
    job: Job,
    *,
    report: dict[str, Any],
    failed: bool = False,
    done: int | None = None,
    total: int | None = None,
    errors: list[dict] | None = None,
) -> None:
    """Close ``job`` with its report; the live progress it reached becomes its record."""
    live = caches["jobs"].get(_progress_key(job.pk)) or {}
    job.rows_total = total if total is not None else live.get("rows_total", job.rows_total)
    job.rows_done = done if done is not None else live.get("rows_done", job.rows_done)
    job.errors_so_far = _plain(errors if errors is not None else live.get("errors_so_far"))
    job.report = report
    job.status = Job.FAILED if failed else Job.DONE
    job.finished_at = timezone.now()
    job.save()
    caches["jobs"].delete(_progress_key(job.pk))


def remove_inputs(job: Job) -> None:
    """Delete the uploaded files of ``job`` from storage."""
    for name in job.inputs:
        default_storage.delete(name)
    job.inputs = []
    job.save(update_fields=["inputs"])


def remove_stale_inputs() -> None:
    """Remove the uploads of jobs over for longer than ``KEEP_INPUTS`` (checked, never applied)."""
    stale = Job.objects.filter(finished_at__lt=timezone.now() - KEEP_INPUTS).exclude(inputs=[])
    for job in stale:
        remove_inputs(job)
