"""Admin views of spreadsheet imports: templates, upload and check, preview, apply.

An upload over ``OPENCOOP_JOB_THRESHOLD_MB`` is checked by a background job, and a run of more
than ``OPENCOOP_JOB_THRESHOLD_ROWS`` rows applied by one (``opencoop.jobs``); smaller ones are
done in the request.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from opencoop.editorial import scope
from opencoop.editorial.models import EditorialMembership
from opencoop.editorial.roles import sees_everything
from opencoop.jobs.models import Job
from opencoop.jobs.services import start_job

from . import template
from .forms import UploadForm
from .mapping import SHEETS
from .models import ImportRun
from .reader import Row, read_upload
from .services import ImportRefused, apply_import, check_upload, plan_import

PERMISSION = "imports.add_importrun"


def may_import(user) -> bool:
    return user.is_authenticated and user.has_perm(PERMISSION)


def runs_for(user):
    runs = ImportRun.objects.latest_first().select_related("reporting_org", "user")
    if sees_everything(user):
        return runs
    return runs.for_organisations(scope.organisation_ids(user, EditorialMembership.STAFF))


class ImporterMixin:
    def get_breadcrumbs_items(self) -> list[dict[str, str]]:
        # The slim header shows only the breadcrumbs: without this it reads "Home".
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]

    def dispatch(self, request, *args, **kwargs):
        if not may_import(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ImportIndexView(ImporterMixin, WagtailAdminTemplateMixin, TemplateView):
    """Offer the templates and the upload; list the latest imports."""

    template_name = "imports/index.html"
    page_title = gettext_lazy("Spreadsheet import")
    header_icon = "doc-full-inverse"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = kwargs.get("form") or UploadForm(user=self.request.user)
        context["runs"] = runs_for(self.request.user)[:20]
        context["sheets"] = SHEETS
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        form = UploadForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        uploads = form.cleaned_data["files"]
        file_name = ", ".join(f.name for f in uploads)
        if sum(f.size for f in uploads) > settings.OPENCOOP_JOB_THRESHOLD_MB * 1024 * 1024:
            job = start_job(
                kind=Job.SPREADSHEET_CHECK,
                user=request.user,
                authority=form.cleaned_data["reporting_org"],
                params={"outcome": form.cleaned_data["outcome"]},
                uploads=uploads,
                file_name=file_name,
            )
            return redirect("jobs:detail", job.pk)
        book = read_upload([(f.name, f.read()) for f in uploads])
        run, _plan = check_upload(
            rows=book.rows,
            read_errors=book.errors,
            reporting_org=form.cleaned_data["reporting_org"],
            user=request.user,
            file_name=file_name,
            outcome=form.cleaned_data["outcome"],
        )
        return redirect("imports:detail", run.pk)


class ImportDetailView(ImporterMixin, WagtailAdminTemplateMixin, TemplateView):
    """Show what an upload would create or change, or why it was refused; apply it."""

    template_name = "imports/detail.html"
    page_title = gettext_lazy("Spreadsheet import")
    header_icon = "doc-full-inverse"

    def get_run(self) -> ImportRun:
        return get_object_or_404(runs_for(self.request.user), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.get_run()
        context["run"] = run
        context["page_subtitle"] = run.file_name
        context["errors"] = run.errors
        if run.status == ImportRun.CHECKED:
            rows = [Row.from_json(data) for data in run.records]
            plan = plan_import(rows=rows, reporting_org=run.reporting_org, outcome=run.outcome)
            context["plan"] = plan
            context["errors"] = plan.errors
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = self.get_run()
        if run.status != ImportRun.CHECKED:
            messages.error(request, _("This import cannot be applied: upload the file again."))
            return redirect("imports:detail", run.pk)
        if len(run.records) > settings.OPENCOOP_JOB_THRESHOLD_ROWS:
            job = start_job(
                kind=Job.SPREADSHEET_APPLY,
                user=request.user,
                authority=run.reporting_org,
                params={"run": run.pk},
                file_name=run.file_name,
            )
            return redirect("jobs:detail", job.pk)
        try:
            plan = apply_import(run=run, user=request.user)
        except ImportRefused:
            messages.error(
                request,
                _(
                    "The data changed since the check and some rows no longer pass; nothing changed."
                ),
            )
            return redirect("imports:detail", run.pk)
        summary = plan.summary
        messages.success(
            request,
            _("Import applied: %(created)d new activities, %(changed)d changed.")
            % {"created": summary["created"], "changed": summary["changed"]},
        )
        return redirect("imports:detail", run.pk)


def xlsx_template(request: HttpRequest) -> HttpResponse:
    if not may_import(request.user):
        raise PermissionDenied
    response = HttpResponse(
        template.xlsx_template(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="opencoop-activities.xlsx"'
    return response


def csv_templates(request: HttpRequest) -> HttpResponse:
    if not may_import(request.user):
        raise PermissionDenied
    response = HttpResponse(template.csv_templates_zip(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="opencoop-activities-csv.zip"'
    return response
