"""Admin screens of background jobs: the list (and exports, re-indexing), a job's page, its
progress as JSON, its result file, and "Apply" after an IATI file was checked by a job."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.admin import messages

from opencoop.iati.admin_views import LISTED, may_import, may_publish
from opencoop.iati.report_files import issue_lines, issues_from_json

from .forms import ExportForm, ReindexForm
from .models import Job
from .selectors import jobs_for
from .services import progress_of, queue, start_job

# Seconds between two reloads of a running job's page (no script needed).
REFRESH_SECONDS = 3


def _job(request: HttpRequest, pk: int) -> Job:
    """Return job ``pk`` if the user may follow it; refuse alike whether it exists or not."""
    job = jobs_for(request.user).filter(pk=pk).first()
    if job is None:
        raise PermissionDenied
    return job


def job_index(request: HttpRequest) -> HttpResponse:
    """List the user's jobs; start an export or a re-indexing."""
    export_form = ExportForm(user=request.user, prefix="export")
    reindex_form = ReindexForm(user=request.user, prefix="reindex")
    if request.method == "POST":
        if "export-kind" in request.POST:
            export_form = ExportForm(request.POST, user=request.user, prefix="export")
            if export_form.is_valid():
                data = export_form.cleaned_data
                job = start_job(
                    kind=data["kind"],
                    user=request.user,
                    authority=data["authority"],
                    params={"year": data["year"], "base_url": request.build_absolute_uri("/")},
                )
                return redirect("jobs:detail", job.pk)
        else:
            reindex_form = ReindexForm(request.POST, user=request.user, prefix="reindex")
            if reindex_form.is_valid():
                job = start_job(
                    kind=Job.REINDEX,
                    user=request.user,
                    authority=reindex_form.cleaned_data["authority"],
                )
                return redirect("jobs:detail", job.pk)
    title = _("Jobs")
    return TemplateResponse(
        request,
        "jobs/index.html",
        {
            "jobs": jobs_for(request.user)[:50],
            "export_form": export_form,
            "reindex_form": reindex_form,
            "page_title": title,
            "header_title": title,
            "header_icon": "time",
        },
    )


def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show how far a job is, the errors so far, and its report once it is over."""
    job = _job(request, pk)
    title = f"{job.get_kind_display()}: {job.file_name or job.authority or ''}".rstrip(": ")
    response = TemplateResponse(
        request,
        "jobs/detail.html",
        {
            "job": job,
            "progress": progress_of(job),
            "report": job.report,
            "listed": LISTED,
            "may_apply": _may_apply(request, job),
            "publish": may_publish(request.user),
            "refresh_seconds": REFRESH_SECONDS,
            "page_title": title,
            "header_title": title,
            "header_icon": "time",
        },
    )
    if not job.is_over:
        # Browsers reload on this header: progress shows without any script.
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


def job_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """Return the job's status and progress as JSON, for a script or a tool polling it."""
    response = JsonResponse(progress_of(_job(request, pk)))
    response["Cache-Control"] = "no-store"
    return response


def job_output(request: HttpRequest, pk: int) -> HttpResponse:
    """Download the file a job wrote (an export)."""
    job = _job(request, pk)
    if not job.output:
        messages.error(request, _("This job wrote no file."))
        return redirect("jobs:detail", job.pk)
    return FileResponse(
        job.output.open("rb"), as_attachment=True, filename=job.output.name.rsplit("/", 1)[-1]
    )


def job_issues_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """Download every error and warning of an IATI import job as CSV (the page lists the first)."""
    job = _job(request, pk)
    if job.kind != Job.IATI_IMPORT or not isinstance(job.report, dict):
        raise Http404
    response = StreamingHttpResponse(
        issue_lines(issues_from_json(job.report)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="iati-import-{job.pk}-report.csv"'
    return response


def _may_apply(request: HttpRequest, job: Job) -> bool:
    return (
        job.kind == Job.IATI_IMPORT
        and job.status == Job.DONE
        and job.params.get("dry_run")
        and bool(job.inputs)
        and may_import(request.user)
    )


@require_POST
def job_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply, as a new job, the IATI file a finished job has checked."""
    job = _job(request, pk)
    if not may_import(request.user):
        raise PermissionDenied
    if not _may_apply(request, job):
        messages.error(request, _("This file is no longer waiting to be applied: upload it again."))
        return redirect("jobs:detail", job.pk)
    applying = Job.objects.create(
        kind=Job.IATI_IMPORT,
        user=request.user,
        authority=job.authority,
        params={**job.params, "dry_run": False, "publish": may_publish(request.user)},
        file_name=job.file_name,
        inputs=job.inputs,
    )
    # The file now belongs to the new job, which removes it when done.
    job.inputs = []
    job.save(update_fields=["inputs"])
    queue(applying)
    return redirect("jobs:detail", applying.pk)
