"""Other portals' IATI activity files an atlas harvests, each run, and where an activity came from.

A ``HarvestSource`` is one publisher's activity file at a public address, fetched on a schedule;
it keeps what a conditional request needs (ETag, Last-Modified, the checksum of the last good
file) and how the last attempts went. A ``Harvest`` records one run. ``HarvestedActivity`` ties
an activity to the source that publishes it, so the public page can say so and the next run can
withdraw what the source no longer publishes.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opencoop.activities.models import Activity


class HarvestSourceQuerySet(models.QuerySet):
    def due(self, now: datetime.datetime | None = None) -> list[HarvestSource]:
        """Return the active sources whose schedule says they should be fetched by ``now``."""
        now = now or timezone.now()
        return [source for source in self.filter(active=True).order_by("pk") if source.is_due(now)]


class HarvestSource(models.Model):
    """One IATI activity file another portal publishes, harvested on a schedule."""

    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"
    SCHEDULES = [(HOURLY, _("every hour")), (DAILY, _("every day")), (WEEKLY, _("every week"))]
    INTERVALS = {
        HOURLY: datetime.timedelta(hours=1),
        DAILY: datetime.timedelta(days=1),
        WEEKLY: datetime.timedelta(days=7),
    }

    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("address of the IATI activity file"), max_length=1000)
    reporting_org = models.CharField(
        _("reporting organisation identifier"),
        max_length=150,
        help_text=_("Only activities this organisation reports are taken from the file."),
    )
    schedule = models.CharField(_("schedule"), max_length=10, choices=SCHEDULES, default=DAILY)
    active = models.BooleanField(_("active"), default=True)
    etag = models.CharField(_("last ETag"), max_length=500, blank=True, editable=False)
    last_modified = models.CharField(
        _("last Last-Modified"), max_length=100, blank=True, editable=False
    )
    checksum = models.CharField(
        _("checksum of the last good file"), max_length=64, blank=True, editable=False
    )
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True, editable=False)
    last_failure_at = models.DateTimeField(_("last failure"), null=True, blank=True, editable=False)
    last_failure_message = models.TextField(_("last failure message"), blank=True, editable=False)
    # The activities the last good file also published that the atlas holds under another
    # reporting authority (the same IATI identifier): held once, and counted once.
    also_published = models.ManyToManyField(
        Activity,
        verbose_name=_("also published, held under another authority"),
        related_name="also_published_by",
        blank=True,
        editable=False,
    )

    objects = HarvestSourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("harvest source")
        verbose_name_plural = _("harvest sources")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def is_due(self, now: datetime.datetime) -> bool:
        """Say whether the schedule's interval has passed since the last attempt."""
        if self.last_checked_at is None:
            return True
        return now - self.last_checked_at >= self.INTERVALS[self.schedule]

    @property
    def failing(self) -> bool:
        """Say whether the last attempt failed (a failure after the last success)."""
        return self.last_failure_at is not None and (
            self.last_success_at is None or self.last_failure_at > self.last_success_at
        )


class Harvest(models.Model):
    """One run of a source: what came back and what it changed."""

    IMPORTED = "imported"
    NOT_MODIFIED = "not_modified"
    SAME_FILE = "same_file"
    FAILED = "failed"
    OUTCOMES = [
        (IMPORTED, _("imported")),
        (NOT_MODIFIED, _("not modified (304)")),
        (SAME_FILE, _("same file")),
        (FAILED, _("failed")),
    ]

    source = models.ForeignKey(HarvestSource, on_delete=models.CASCADE, related_name="harvests")
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=OUTCOMES)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    checksum = models.CharField(_("file checksum"), max_length=64, blank=True)
    created = models.PositiveIntegerField(_("created"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    withdrawn = models.PositiveIntegerField(_("withdrawn"), default=0)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("harvest")
        verbose_name_plural = _("harvests")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M} {self.outcome}"


class HarvestedActivity(models.Model):
    """Where a harvested activity comes from: its source, when and what file, the publisher's date."""

    activity = models.OneToOneField(
        Activity, on_delete=models.CASCADE, related_name="harvest_provenance"
    )
    source = models.ForeignKey(HarvestSource, on_delete=models.PROTECT, related_name="activities")
    fetched_at = models.DateTimeField(_("fetched"))
    file_checksum = models.CharField(_("file checksum"), max_length=64)
    last_updated = models.DateTimeField(_("publisher's last update"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("harvested activity")
        verbose_name_plural = _("harvested activities")

    def __str__(self) -> str:
        return f"{self.activity_id} ← {self.source}"
