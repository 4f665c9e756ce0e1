"""Load the Florence demo (idempotent: a second run changes nothing)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from opencoop.demo.loader import FLORENCE_FILE, HostError, load_demo


class Command(BaseCommand):
    help = "Load the demo authority's pages, records and settings from a YAML file."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=FLORENCE_FILE, help="YAML demo file")
        parser.add_argument(
            "--host",
            default=None,
            help="where the authority's site answers, hostname:port (e.g. 127.0.0.1:8000)",
        )

    def handle(self, *args, file: Path, host: str | None, **options):
        try:
            report = load_demo(file, host=host)
        except HostError as error:
            raise CommandError(f"--host: {error}") from error
        if report.is_empty:
            self.stdout.write("Demo already up to date: nothing changed.")
            return
        for label, bucket in (("created", report.created), ("updated", report.changed)):
            if bucket:
                parts = ", ".join(f"{count} {kind}" for kind, count in sorted(bucket.items()))
                self.stdout.write(f"{label}: {parts}")
