"""Write the OECD DAC CRS table of a reporting organisation for one year."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opencoop.core.outputs import output_path, reporting_year, write_atomically
from opencoop.opendata.crs import iter_crs_csv
from opencoop.organisations.models import Organisation


class Command(BaseCommand):
    help = (
        "Write, as CSV, the activities of a reporting organisation with commitments or "
        "disbursements in a year, in the layout of the OECD DAC Creditor Reporting System."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="IATI identifier of the reporting org")
        parser.add_argument("--year", required=True, type=reporting_year, help="the reporting year")
        parser.add_argument(
            "--output", type=output_path, help="file to write (default: standard output)"
        )
        parser.add_argument(
            "--lang", default="en", help="language of titles and descriptions (default: en)"
        )

    def handle(self, *args, **options) -> None:
        organisation = Organisation.objects.reporting().filter(identifier=options["org"]).first()
        if organisation is None:
            raise CommandError(f"No reporting organisation has the identifier {options['org']!r}.")
        lines = iter_crs_csv(organisation, options["year"], options["lang"])
        if not options["output"]:
            for line in lines:
                self.stdout.write(line, ending="")
            return
        write_atomically(options["output"], lines)
