"""Compute the kept figures again: those out of date, or (``--all``) every authority's."""

from django.core.management.base import BaseCommand, CommandError

from opencoop.stats import kept


class Command(BaseCommand):
    help = "Refresh the kept figures of statistics, map, plans and country pages."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="every authority, not only those out of date"
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="refresh nothing: say whether the totals are the sum of the authorities' rows",
        )

    def handle(self, *args, **options) -> None:
        if options["check"]:
            differ = kept.totals_differ()
            if differ:
                raise CommandError(
                    f"{len(differ)} totals differ from the sum of the authorities' rows: "
                    "run refresh_figures --all."
                )
            self.stdout.write("The totals are the sum of the authorities' rows.")
            return
        count = kept.refresh_all() if options["all"] else kept.refresh_outdated()
        self.stdout.write(f"Refreshed the figures of {count} authorities.")
