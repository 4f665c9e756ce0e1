"""Write the IATI file of a reporting organisation to a file or to standard output."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from opencoop.core.outputs import output_path, write_atomically
from opencoop.iati.export import (
    NothingToPublish,
    iter_activities_xml,
    iter_organisation_xml,
    left_out_message,
    reporting_org_activities,
)
from opencoop.organisations.models import Organisation


class Command(BaseCommand):
    help = (
        "Write the IATI 2.03 activity file (or, with --organisation, organisation file). "
        "Activities lacking an element the schema requires are left out and listed on stderr."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="IATI identifier of the reporting org")
        parser.add_argument(
            "--output", type=output_path, help="file to write (default: standard output)"
        )
        parser.add_argument(
            "--organisation", action="store_true", help="write the organisation file instead"
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=settings.OPENCOOP_EXPORT_PROCESSES,
            help="processes writing the activity file at once (default: OPENCOOP_EXPORT_PROCESSES)",
        )
        parser.add_argument(
            "--base-url",
            help="address of the portal for document links (default: the default site's)",
        )

    def handle(self, *args, **options) -> None:
        organisation = Organisation.objects.reporting().filter(identifier=options["org"]).first()
        if organisation is None:
            raise CommandError(f"No reporting organisation has the identifier {options['org']!r}.")
        if options["organisation"]:
            chunks = iter_organisation_xml(organisation, base_url=options["base_url"])
        else:
            try:
                chunks = iter_activities_xml(
                    reporting_org_activities(organisation),
                    base_url=options["base_url"],
                    left_out=lambda activity, missing: self.stderr.write(
                        left_out_message(activity, missing)
                    ),
                    processes=max(1, options["processes"]),
                )
            except NothingToPublish as exc:
                raise CommandError(
                    f"{organisation.identifier}: no public activity has every element IATI 2.03 "
                    "requires, so there is no valid activity file; nothing written."
                ) from exc
        if options["output"]:
            write_atomically(options["output"], chunks)
        else:
            for chunk in chunks:
                self.stdout.write(chunk.decode("utf-8"), ending="")
