"""Harvest other portals' IATI files: one source, the due ones, or all active ones."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from opencoop.harvest.models import Harvest, HarvestSource
from opencoop.harvest.services import harvest_source
from opencoop.harvest.tasks import enqueue_due


class Command(BaseCommand):
    help = "Harvest the IATI activity files of the registered sources (all active ones by default)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--source", type=int, help="harvest only this source (its id)")
        parser.add_argument(
            "--due", action="store_true", help="only the sources whose schedule says they are due"
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="with --due: queue them for the worker instead of harvesting here",
        )

    def handle(self, *args, source=None, due=False, enqueue=False, **options) -> None:
        if enqueue:
            if not due:
                raise CommandError("--enqueue goes with --due")
            ids = enqueue_due()
            self.stdout.write(f"{len(ids)} source(s) queued: {', '.join(map(str, ids)) or '-'}")
            return
        if source is not None:
            try:
                sources = [HarvestSource.objects.get(pk=source)]
            except HarvestSource.DoesNotExist as exc:
                raise CommandError(f"no harvest source with id {source}") from exc
        elif due:
            sources = HarvestSource.objects.due()
        else:
            sources = list(HarvestSource.objects.filter(active=True))
        failed = 0
        for item in sources:
            run = harvest_source(item)
            failed += run.outcome == Harvest.FAILED
            self.stdout.write(f"{item.pk} {item.name}: {run.get_outcome_display()}. {run.message}")
        if failed:
            raise CommandError(f"{failed} of {len(sources)} source(s) failed")
