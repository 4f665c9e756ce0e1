"""A background job: long work run by the worker, its progress while it runs, its report after."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobQuerySet(models.QuerySet):
    def latest_first(self) -> JobQuerySet:
        return self.order_by("-created_at", "-pk")

    def for_authorities(self, authority_ids) -> JobQuerySet:
        """Narrow to the jobs of ``authority_ids``; jobs of no authority are left out."""
        return self.filter(authority__in=authority_ids)


def job_file_path(job: Job, name: str) -> str:
    return f"jobs/{timezone.now():%Y/%m}/{name}"


class Job(models.Model):
    """One piece of long work: what, for which authority, by whom, how far, and how it ended."""

    IATI_IMPORT = "iati_import"
    SPREADSHEET_CHECK = "spreadsheet_check"
    SPREADSHEET_APPLY = "spreadsheet_apply"
    IATI_EXPORT = "iati_export"
    CRS_EXPORT = "crs_export"
    REINDEX = "reindex"
    KINDS = [
        (IATI_IMPORT, _("IATI import")),
        (SPREADSHEET_CHECK, _("spreadsheet check")),
        (SPREADSHEET_APPLY, _("spreadsheet import")),
        (IATI_EXPORT, _("IATI export")),
        (CRS_EXPORT, _("CRS export")),
        (REINDEX, _("search re-indexing")),
    ]
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    STATUSES = [
        (QUEUED, _("waiting")),
        (RUNNING, _("running")),
        (DONE, _("finished")),
        (FAILED, _("failed")),
    ]

    kind = models.CharField(_("kind"), max_length=20, choices=KINDS)
    status = models.CharField(_("status"), max_length=10, choices=STATUSES, default=QUEUED)
    authority = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("reporting authority"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    # The uploaded files the job reads (names in the default storage), removed when done with.
    inputs = models.JSONField(_("uploaded files"), default=list, blank=True)
    output = models.FileField(_("result file"), upload_to=job_file_path, blank=True)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in all"), default=0)
    errors_so_far = models.JSONField(_("errors so far"), default=list, blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    started_at = models.DateTimeField(_("run from"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.get_status_display()})"

    @property
    def is_over(self) -> bool:
        return self.status in (self.DONE, self.FAILED)
