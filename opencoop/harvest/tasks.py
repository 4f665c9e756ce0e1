"""Background harvesting: the worker (``manage.py db_worker --backend jobs``) runs each source."""

from __future__ import annotations

from django_tasks import task

from .models import HarvestSource
from .services import harvest_source


@task(backend="jobs")
def harvest_source_task(source_id: int) -> str:
    """Harvest source ``source_id``; return the run's outcome."""
    return harvest_source(HarvestSource.objects.get(pk=source_id)).outcome


def enqueue_due() -> list[int]:
    """Queue one task per due source; return their ids."""
    ids = [source.pk for source in HarvestSource.objects.due()]
    for source_id in ids:
        harvest_source_task.enqueue(source_id)
    return ids
