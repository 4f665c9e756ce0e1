"""Compute the kept figures again: those out of date, or (``--all``) every authority's."""

from django.core.management.base import BaseCommand

from opencoop.stats import kept


class Command(BaseCommand):
    help = "Refresh the kept figures of statistics, map, plans and country pages."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="every authority, not only those out of date"
        )

    def handle(self, *args, **options) -> None:
        count = kept.refresh_all() if options["all"] else kept.refresh_outdated()
        self.stdout.write(f"Refreshed the figures of {count} authorities.")
