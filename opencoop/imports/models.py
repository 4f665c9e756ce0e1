"""A spreadsheet import: what was uploaded, what it would change, and how it ended."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportRunQuerySet(models.QuerySet):
    def latest_first(self) -> ImportRunQuerySet:
        return self.order_by("-created_at", "-pk")

    def for_organisations(self, organisation_ids) -> ImportRunQuerySet:
        return self.filter(reporting_org__in=organisation_ids)


class ImportRun(models.Model):
    """One upload of a spreadsheet for one reporting authority."""

    CHECKED = "checked"
    REFUSED = "refused"
    APPLIED = "applied"
    FAILED = "failed"
    STATUSES = [
        (CHECKED, _("checked, waiting to be applied")),
        (REFUSED, _("refused: errors in the file, nothing changed")),
        (APPLIED, _("applied")),
        (FAILED, _("failed when applied, nothing changed")),
    ]
    DRAFT = "draft"
    REVIEW = "review"
    PUBLISH = "publish"
    OUTCOMES = [
        (DRAFT, _("save as drafts")),
        (REVIEW, _("save as drafts and submit them for review")),
        (PUBLISH, _("publish")),
    ]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reporting_org = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("reporting organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file_name = models.CharField(_("file"), max_length=255)
    status = models.CharField(_("status"), max_length=10, choices=STATUSES, default=CHECKED)
    outcome = models.CharField(
        _("what to do with the records"), max_length=10, choices=OUTCOMES, default=REVIEW
    )
    records = models.JSONField(_("records read"), default=list, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"
