"""Harvest one source: fetch its file conditionally, import it activity by activity, withdraw the rest.

``harvest_source`` is the one service the command, the task and the tests call. A 304, or a
file whose checksum is the last good one, writes nothing but the run. Any failure (network, HTTP
status, a file the importer refuses) leaves the activities as they were and is recorded on the
source. Activities the source published before and no longer does are unpublished: their
revisions stay, and they come back if the source publishes them again.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import logging

import requests
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from lxml import etree

from opencoop.activities.models import Activity
from opencoop.iati.importer import PER_ACTIVITY, import_activity_file

from .models import Harvest, HarvestedActivity, HarvestSource

logger = logging.getLogger(__name__)

TIMEOUT = 60  # seconds, to connect and between bytes
# A larger file is refused rather than held in memory: ten times the largest known publisher's.
MAX_BYTES = 200 * 1024 * 1024
USER_AGENT = "OpenCoop harvester (+https://github.com/opencoop)"
ERRORS_KEPT = 5


class HarvestFailed(Exception):
    """The file could not be fetched or was refused: the last good data stays."""

    def __init__(self, message: str, http_status: int | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status


def harvest_source(source: HarvestSource, *, session: requests.Session | None = None) -> Harvest:
    """Fetch ``source`` and apply it; record and return the run (it never raises on failure)."""
    run = Harvest(source=source, started_at=timezone.now(), outcome=Harvest.FAILED)
    try:
        _harvest(source, run, session or requests.Session())
    except HarvestFailed as exc:
        run.outcome, run.message, run.http_status = Harvest.FAILED, str(exc), exc.http_status
        source.last_failure_at, source.last_failure_message = run.started_at, str(exc)
    run.finished_at = timezone.now()
    source.last_checked_at = run.started_at
    if run.outcome != Harvest.FAILED:
        source.last_success_at = run.started_at
    source.save(
        update_fields=[
            "etag",
            "last_modified",
            "checksum",
            "last_checked_at",
            "last_success_at",
            "last_failure_at",
            "last_failure_message",
        ]
    )
    run.save()
    return run


def _fetch(source: HarvestSource, session: requests.Session) -> requests.Response:
    headers = {"User-Agent": USER_AGENT}
    if source.etag:
        headers["If-None-Match"] = source.etag
    if source.last_modified:
        headers["If-Modified-Since"] = source.last_modified
    try:
        response = session.get(source.url, headers=headers, timeout=TIMEOUT, stream=True)
        if response.status_code == 200:
            body = bytearray()
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > MAX_BYTES:
                    raise HarvestFailed(
                        f"{source.url}: the file is larger than {MAX_BYTES} bytes", 200
                    )
            response._content = bytes(body)
    except requests.RequestException as exc:
        raise HarvestFailed(f"{source.url} could not be fetched: {exc}") from exc
    if response.status_code not in (200, 304):
        raise HarvestFailed(
            f"{source.url} answered HTTP {response.status_code} {response.reason}",
            response.status_code,
        )
    return response


def _harvest(source: HarvestSource, run: Harvest, session: requests.Session) -> None:
    response = _fetch(source, session)
    run.http_status = response.status_code
    if response.status_code == 304:
        run.outcome = Harvest.NOT_MODIFIED
        return
    body = response.content
    checksum = hashlib.sha256(body).hexdigest()
    run.checksum = checksum
    if checksum == source.checksum:
        run.outcome = Harvest.SAME_FILE
        _remember_validators(source, response)
        return
    published, reporters = _published_dates(body, source.url)
    with transaction.atomic():
        report = import_activity_file(
            stream=io.BytesIO(body),
            file_name=source.url,
            reporting_org=source.reporting_org,
            mode=PER_ACTIVITY,
            publish=True,
        )
        if not report.ok:
            errors = report.file_errors or report.errors
            raise HarvestFailed(
                f"{source.url}: the file was refused, nothing changed: "
                + "; ".join(str(issue) for issue in errors[:ERRORS_KEPT]),
                response.status_code,
            )
        written = [
            *report.created,
            *(identifier for identifier, _ in report.changed),
            *report.unchanged,
        ]
        _record_provenance(source, written, published, run.started_at, checksum)
        _record_held_elsewhere(source, reporters)
        run.withdrawn = _withdraw_missing(source, set(published), run.started_at)
    run.outcome = Harvest.IMPORTED
    run.created, run.changed = len(report.created), len(report.changed)
    run.unchanged, run.skipped = len(report.unchanged), len(report.skipped)
    run.message = report.summary()
    source.checksum = checksum
    _remember_validators(source, response)


def _remember_validators(source: HarvestSource, response: requests.Response) -> None:
    source.etag = response.headers.get("ETag", "")[:500]
    source.last_modified = response.headers.get("Last-Modified", "")[:100]


def _published_dates(
    body: bytes, url: str
) -> tuple[dict[str, datetime.datetime | None], dict[str, str]]:
    """Return each activity identifier of the file with its ``last-updated-datetime``, and
    with its reporting organisation's identifier."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise HarvestFailed(f"{url}: not a readable XML file: {exc}", 200) from exc
    if root.tag != "iati-activities":
        raise HarvestFailed(f"{url}: not an IATI activity file (root <{root.tag}>)", 200)
    dates: dict[str, datetime.datetime | None] = {}
    reporters: dict[str, str] = {}
    for element in root.iterfind("iati-activity"):
        identifier = (element.findtext("iati-identifier") or "").strip()
        if identifier:
            dates[identifier] = _datetime(element.get("last-updated-datetime", ""))
            reporter = element.find("reporting-org")
            reporters[identifier] = (
                (reporter.get("ref") or "").strip() if reporter is not None else ""
            )
    return dates, reporters


def _record_held_elsewhere(source: HarvestSource, reporters: dict[str, str]) -> None:
    """Remember the activities the file publishes that another authority reports on the atlas.

    The importer never takes such an activity over (it is held once, under the authority that
    reported it first); the atlas's figures say how many of its activities two sources publish.
    """
    own = [identifier for identifier, ref in reporters.items() if ref == source.reporting_org]
    held = Activity.objects.filter(iati_identifier__in=own).exclude(
        reporting_org__identifier=source.reporting_org
    )
    source.also_published.set(held.values_list("pk", flat=True))


def _datetime(value: str) -> datetime.datetime | None:
    try:
        parsed = parse_datetime(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, datetime.UTC)
    return parsed


def _record_provenance(
    source: HarvestSource,
    identifiers: list[str],
    published: dict[str, datetime.datetime | None],
    fetched_at: datetime.datetime,
    checksum: str,
) -> None:
    activities = Activity.objects.filter(
        iati_identifier__in=identifiers, reporting_org__identifier=source.reporting_org
    ).select_related("harvest_provenance")
    for activity in activities:
        provenance = getattr(activity, "harvest_provenance", None)
        if provenance is not None and provenance.withdrawn_at is not None and not activity.live:
            # Published again by its source: its last revision goes back on line.
            if activity.latest_revision is not None:
                activity.latest_revision.publish()
        HarvestedActivity.objects.update_or_create(
            activity=activity,
            defaults={
                "source": source,
                "fetched_at": fetched_at,
                "file_checksum": checksum,
                "last_updated": published.get(activity.iati_identifier),
                "withdrawn_at": None,
            },
        )


def _withdraw_missing(source: HarvestSource, in_file: set[str], now: datetime.datetime) -> int:
    """Unpublish the source's activities its file no longer holds; return how many."""
    gone = (
        HarvestedActivity.objects.filter(source=source, withdrawn_at__isnull=True)
        .exclude(activity__iati_identifier__in=in_file)
        .select_related("activity")
    )
    count = 0
    for provenance in gone:
        if provenance.activity.live:
            provenance.activity.unpublish()
        provenance.withdrawn_at = now
        provenance.save(update_fields=["withdrawn_at"])
        count += 1
    return count


def harvest_due(now: datetime.datetime | None = None) -> list[Harvest]:
    """Harvest every active source that is due; return the runs."""
    return [harvest_source(source) for source in HarvestSource.objects.due(now)]
