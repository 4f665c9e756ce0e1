"""Write every catalogue row again from the published records (after migrating, or a rule change)."""

from django.core.management.base import BaseCommand

from opencoop.catalogue.rows import rebuild


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        # Publications, unpublications and writes keep the rows in step; this is for a new
        # table, rows written by an older rule, or records changed behind the write service.
        counts = rebuild()
        self.stdout.write(
            "Catalogue rows: "
            + ", ".join(f"{count} {kind}" for kind, count in counts.items())
            + "."
        )
