"""What the open-data page says of each authority's files, checked by the jobs worker.

Whether an authority's IATI activity file holds an activity, which of its projects the file
leaves out and why (one pass over its public activities under the IATI rules,
``missing_mandatory``), and which years its CRS file has rows (one over its commitments and
payments, ``crs.years_with_rows``). At 2,000 activities over 51 authorities the atlas's
open-data page took 25 s to render once every 15 minutes (CRS years 14.6 s, projects left out
2.7 s, the activity file 1.5 s); at 100,000, about 11 s an authority. The check is made by the
jobs worker, kept in the cache the web and worker processes share (``jobs``: Redis, or files
without it), and the page shows the kept answer with the time it was made; a check older than
``FILE_CHECK_SECONDS`` (or none) asks the worker for a new one, and an authority not yet
checked says so.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.cache import caches
from django.utils import timezone

from opencoop.iati.export import mandatory_selection
from opencoop.iati.rules import Breach, missing_mandatory
from opencoop.organisations.models import Organisation

from .crs import years_with_rows

# A check this old is made again (by the worker; the page shows the old one meanwhile).
FILE_CHECK_SECONDS = 15 * 60
# Kept this long at most: a check nobody asks for again leaves the cache.
KEPT_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Omitted:
    """A public activity the IATI activity file leaves out, and what it lacks."""

    identifier: str
    title: dict
    reasons: tuple[Breach, ...]


@dataclass(frozen=True)
class FileCheck:
    """What one check of an authority's files found, and when."""

    activity_file: bool
    crs_years: tuple[int, ...]
    left_out: tuple[Omitted, ...]
    checked_at: datetime.datetime


def _key(organisation_id: int) -> str:
    return f"opendata:file-check:{organisation_id}"


def _queued_key(organisation_id: int) -> str:
    return f"opendata:file-check-queued:{organisation_id}"


def check_files(organisation: Organisation) -> FileCheck:
    """Check the files of ``organisation`` now and keep the answer.

    One pass under the IATI rules: the activities missing what IATI requires are left out of
    the file, and the file exists when any activity is not.
    """
    left_out, complete = [], False
    selection = mandatory_selection(organisation).order_by("iati_identifier")
    for activity in selection.iterator(chunk_size=500):
        breaches = missing_mandatory(activity)
        if breaches:
            left_out.append(
                Omitted(activity.iati_identifier, activity.title or {}, tuple(breaches))
            )
        else:
            complete = True
    check = FileCheck(
        activity_file=complete,
        crs_years=years_with_rows(organisation),
        left_out=tuple(left_out),
        checked_at=timezone.now(),
    )
    shared = caches["jobs"]
    shared.set(_key(organisation.pk), check, KEPT_SECONDS)
    shared.delete(_queued_key(organisation.pk))
    return check


def kept_check(organisation: Organisation) -> FileCheck | None:
    """Return the last check of the files of ``organisation`` (None: not checked yet).

    A check missing or older than ``FILE_CHECK_SECONDS`` is asked of the jobs worker, once
    until it is made.
    """
    shared = caches["jobs"]
    check = shared.get(_key(organisation.pk))
    outdated = check is None or (
        timezone.now() - check.checked_at > datetime.timedelta(seconds=FILE_CHECK_SECONDS)
    )
    if outdated and shared.add(_queued_key(organisation.pk), True, FILE_CHECK_SECONDS):
        from .tasks import check_authority_files

        check_authority_files.enqueue(organisation.pk)
        check = shared.get(_key(organisation.pk)) or check  # a backend that ran it at once
    return check
