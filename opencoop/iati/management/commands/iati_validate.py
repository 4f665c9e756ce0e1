"""Check the public activities against the IATI rules and the produced files against the XSD."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opencoop.iati.export import (
    activity_document,
    iter_activity_elements,
    iter_organisation_xml,
    left_out_message,
    reporting_org_activities,
)
from opencoop.iati.rules import ERROR, check_activity
from opencoop.iati.xsd import validate_xml
from opencoop.organisations.models import Organisation


class Command(BaseCommand):
    help = (
        "Print each IATI rule broken by the activities of the IATI files (IDENT: element: "
        "message), then validate the files against the XML Schema; list on stderr the "
        "activities left out because they lack an element the schema requires; exit with an "
        "error if anything is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", help="IATI identifier of one reporting organisation")

    def handle(self, *args, **options) -> None:
        organisations = Organisation.objects.reporting().order_by("identifier")
        if options["org"]:
            organisations = organisations.filter(identifier=options["org"])
            if not organisations.exists():
                raise CommandError(
                    f"No reporting organisation has the identifier {options['org']!r}."
                )
        errors = 0
        for organisation in organisations:
            errors += self.check_organisation(organisation)
        if errors:
            raise CommandError(f"{errors} problem(s) found.")
        self.stdout.write(self.style.SUCCESS("The IATI files follow the rules and the schema."))

    def check_organisation(self, organisation: Organisation) -> int:
        """Print the problems of one organisation's files; return how many are errors."""
        errors = 0
        count = 0
        left_out = 0

        def report_left_out(activity, missing) -> None:
            nonlocal left_out
            left_out += 1
            self.stderr.write(left_out_message(activity, missing))

        activities = reporting_org_activities(organisation)
        # Each activity is validated in a document of its own: memory stays flat and every
        # schema error names its activity.
        for activity, element in iter_activity_elements(activities, left_out=report_left_out):
            count += 1
            for breach in check_activity(activity):
                self.stdout.write(str(breach))
                errors += breach.level == ERROR
            for message in validate_xml(activity_document(element), "activities"):
                self.stdout.write(f"{activity.iati_identifier}: schema: {message}")
                errors += 1
        if left_out:
            self.stderr.write(
                f"{organisation.identifier}: {left_out} activity(ies) left out of the IATI file "
                "for lack of elements the schema requires."
            )
        if count == 0:
            self.stdout.write(
                f"{organisation.identifier}: iati-activities: no public activity has every "
                "element IATI 2.03 requires, so there is no valid activity file"
            )
            errors += 1
        organisation_file = b"".join(iter_organisation_xml(organisation))
        for message in validate_xml(organisation_file, "organisations"):
            self.stdout.write(f"{organisation.identifier}: organisation file: schema: {message}")
            errors += 1
        return errors
