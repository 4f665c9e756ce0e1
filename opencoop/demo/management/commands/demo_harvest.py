"""Let the demo's atlas harvest a second fictional authority's portal file, from a local address."""

from django.core.management.base import BaseCommand, CommandError

from opencoop.demo.harvested import NothingHarvested, harvest_demo_authority


class Command(BaseCommand):
    help = (
        "Build the fictional Unione dei Comuni di Esempio's IATI file, serve it on a loopback "
        "port and harvest it into the atlas (run after generate_authority)."
    )

    def handle(self, *args, **options):
        try:
            run = harvest_demo_authority()
        except NothingHarvested as error:
            raise CommandError(f"The demo's harvest failed, nothing changed: {error}") from error
        self.stdout.write(
            f"Harvested {run.source.url}: {run.created} created, {run.changed} changed, "
            f"{run.unchanged} unchanged, {run.skipped} skipped."
        )
