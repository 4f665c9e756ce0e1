"""The back-office screen of the IATI import: upload, see what would change, then apply.

The screen is a thin layer over ``importer.import_activity_file``: the upload is checked with a
dry run (the same code path, rolled back) and kept aside under a random token remembered in the
user's session; "Apply" imports that same file for real. An upload over
``OPENCOOP_JOB_THRESHOLD_MB`` is checked, and then applied, by a background job instead
(``opencoop.jobs``): the request only stores it, and the job's page shows the progress.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from opencoop.core.multilingual import text
from opencoop.editorial.roles import sees_everything
from opencoop.editorial.scope import filing_organisations
from opencoop.jobs.models import Job
from opencoop.jobs.services import start_job
from opencoop.operations.uploads import check_upload_size, upload_limit_attrs
from opencoop.organisations.models import Organisation

from .importer import PER_ACTIVITY, STRICT, ImportReport, import_activity_file
from .report_files import report_lines

SESSION_KEY = "iati_import"
REPORTS_KEY = "iati_import_reports"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
# Uploads waiting to be applied are removed after this many seconds.
KEEP_UPLOADS = 24 * 3600
LISTED = 200
TEMPLATE = "iati/admin/iati_import.html"


def upload_dir() -> Path:
    """Return the folder where checked uploads wait to be applied."""
    return Path(settings.VAR_DIR) / "iati-imports"


def may_import(user) -> bool:
    """Say whether ``user`` may create and change activities (what an import does)."""
    return user.has_perm("activities.add_activity") and user.has_perm("activities.change_activity")


def may_publish(user) -> bool:
    return user.has_perm("activities.publish_activity")


class IatiImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("IATI activity file"),
        help_text=gettext_lazy(
            "An XML file of IATI activities, version 2.01, 2.02 or 2.03. Nothing is changed "
            "until you have seen what the import would do and confirmed it."
        ),
    )
    reporting_org = forms.ChoiceField(label=gettext_lazy("Reporting organisation"))
    mode = forms.ChoiceField(
        label=gettext_lazy("What to do with activities that have errors"),
        choices=[
            (STRICT, gettext_lazy("Refuse the whole file (nothing is imported)")),
            (
                PER_ACTIVITY,
                gettext_lazy("Import the valid activities and skip the others, listing why"),
            ),
        ],
        initial=STRICT,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (organisation.identifier, f"{text(organisation.name)} ({organisation.identifier})")
            for organisation in filing_organisations(user).exclude(identifier="").order_by("slug")
        ]
        field = self.fields["reporting_org"]
        field.help_text = _("Only the activities of this organisation are accepted.")
        if sees_everything(user):
            choices.insert(0, ("", _("Any, as stated in the file")))
            field.required = False
            field.help_text = _(
                "Choose one to accept only its activities; with “Any”, the reporting "
                "organisations of the file are found by identifier or created."
            )
        field.choices = choices
        self.fields["file"].widget.attrs.update(upload_limit_attrs())

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_upload_size([upload])
        return upload


def _remove_old_uploads() -> None:
    folder = upload_dir()
    if not folder.is_dir():
        return
    limit = time.time() - KEEP_UPLOADS
    for path in [*folder.glob("*.xml"), *folder.glob("*.csv")]:
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def _store(upload) -> str:
    """Keep the upload aside under a new token; return the token."""
    _remove_old_uploads()
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    with open(folder / f"{token}.xml", "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return token


def _run(request: HttpRequest, path: Path, pending: dict, *, dry_run: bool) -> ImportReport:
    with open(path, "rb") as stream:
        return import_activity_file(
            stream=stream,
            file_name=pending["name"],
            user=request.user,
            reporting_org=pending["reporting_org"],
            dry_run=dry_run,
            publish=may_publish(request.user),
            base_url=request.build_absolute_uri("/"),
            mode=pending.get("mode", STRICT),
        )


def _keep_report(request: HttpRequest, report: ImportReport) -> str:
    """Write the full report (every error and warning) as CSV; return its token."""
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    with open(folder / f"{token}.csv", "w", encoding="utf-8", newline="") as handle:
        handle.writelines(report_lines(report))
    request.session.setdefault(REPORTS_KEY, []).append(token)
    request.session.modified = True
    return token


@require_http_methods(["GET"])
def iati_import_report(request: HttpRequest, token: str) -> HttpResponse:
    """Download the full report of an import this user checked or applied, as CSV."""
    if not may_import(request.user):
        raise PermissionDenied
    path = upload_dir() / f"{token}.csv"
    if (
        not TOKEN_RE.match(token)
        or token not in request.session.get(REPORTS_KEY, [])
        or not path.is_file()
    ):
        raise Http404
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename="iati-import-report.csv",
        content_type="text/csv; charset=utf-8",
    )


@require_http_methods(["GET", "POST"])
def iati_import(request: HttpRequest) -> HttpResponse:
    """Show the upload form; check an upload with a dry run; apply a checked upload."""
    if not may_import(request.user):
        raise PermissionDenied
    if request.method == "POST" and "token" in request.POST:
        return _apply(request, request.POST["token"])
    form = IatiImportForm(request.POST or None, request.FILES or None, user=request.user)
    context = _context(request, form)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        pending = {
            "name": upload.name,
            "reporting_org": form.cleaned_data["reporting_org"] or "",
            "mode": form.cleaned_data["mode"] or STRICT,
        }
        if upload.size > settings.OPENCOOP_JOB_THRESHOLD_MB * 1024 * 1024:
            job = start_iati_job(
                request,
                upload=upload,
                reporting_org=pending["reporting_org"],
                mode=pending["mode"],
            )
            return redirect("jobs:detail", job.pk)
        token = _store(upload)
        report = _run(request, upload_dir() / f"{token}.xml", pending, dry_run=True)
        if report.ok:
            request.session.setdefault(SESSION_KEY, {})[token] = pending
            request.session.modified = True
            context["token"] = token
        else:
            (upload_dir() / f"{token}.xml").unlink(missing_ok=True)
        context["report"] = report
        context["report_token"] = _keep_report(request, report)
    return TemplateResponse(request, TEMPLATE, context)


def start_iati_job(request: HttpRequest, *, upload, reporting_org: str, mode: str = STRICT) -> Job:
    """Queue the check (dry run) of a large upload as a background job."""
    return start_job(
        kind=Job.IATI_IMPORT,
        user=request.user,
        authority=Organisation.objects.reporting().filter(identifier=reporting_org).first()
        if reporting_org
        else None,
        params={
            "dry_run": True,
            "reporting_org": reporting_org,
            "mode": mode,
            "publish": may_publish(request.user),
            "base_url": request.build_absolute_uri("/"),
        },
        uploads=[upload],
        file_name=upload.name,
    )


def _apply(request: HttpRequest, token: str) -> HttpResponse:
    pending = request.session.get(SESSION_KEY, {}).get(token)
    path = upload_dir() / f"{token}.xml"
    if not TOKEN_RE.match(token) or pending is None or not path.is_file():
        messages.error(
            request, _("This upload is no longer waiting to be applied: upload it again.")
        )
        return redirect("iati_import")
    try:
        report = _run(request, path, pending, dry_run=False)
    finally:
        path.unlink(missing_ok=True)
        request.session[SESSION_KEY].pop(token, None)
        request.session.modified = True
    if report.applied:
        messages.success(
            request,
            _("IATI import applied: %(created)d new, %(changed)d changed, %(unchanged)d unchanged.")
            % {
                "created": len(report.created),
                "changed": len(report.changed),
                "unchanged": len(report.unchanged),
            },
        )
    context = _context(request, IatiImportForm(user=request.user))
    context["report"] = report
    context["report_token"] = _keep_report(request, report)
    return TemplateResponse(request, TEMPLATE, context)


def _context(request: HttpRequest, form: IatiImportForm) -> dict:
    title = _("IATI import")
    return {
        "form": form,
        "publish": may_publish(request.user),
        "listed": LISTED,
        "page_title": title,
        "header_title": title,
        "header_icon": "upload",
    }
