"""Background work of the kept figures, run by the jobs worker (``db_worker --backend jobs``)."""

from __future__ import annotations

from django_tasks import task

from . import kept


@task(backend="jobs")
def refresh_outdated_figures() -> int:
    """Refresh the authorities whose kept figures are dirty or past an embargo's end."""
    return kept.refresh_outdated()
