"""Import activities from a spreadsheet, as the admin's "Spreadsheet import" page does."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from opencoop.imports.models import ImportRun
from opencoop.imports.reader import read_upload
from opencoop.imports.services import ImportRefused, apply_import, check_upload
from opencoop.organisations.models import Organisation


class Command(BaseCommand):
    help = "Check and apply an XLSX workbook (or CSV files) of activities for one authority."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--authority", required=True, help="slug of the reporting authority")
        parser.add_argument("--user", required=True, help="username the revisions are saved as")
        parser.add_argument(
            "--outcome",
            choices=[value for value, _label in ImportRun.OUTCOMES],
            default=ImportRun.REVIEW,
        )
        parser.add_argument("--dry-run", action="store_true", help="do everything, then roll back")

    def handle(self, *args, **options):
        organisation = Organisation.objects.filter(slug=options["authority"]).first()
        if organisation is None:
            raise CommandError(f"No organisation with slug {options['authority']!r}.")
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        files = []
        for path in options["files"]:
            if not path.is_file():
                raise CommandError(f"{path}: no such file.")
            files.append((path.name, path.read_bytes()))
        book = read_upload(files)
        run, _plan = check_upload(
            rows=book.rows,
            read_errors=book.errors,
            reporting_org=organisation,
            user=user,
            file_name=", ".join(name for name, _content in files),
            outcome=options["outcome"],
        )
        if run.errors:
            self._errors(run.errors)
            raise CommandError(f"{len(run.errors)} errors: nothing changed.")
        try:
            plan = apply_import(run=run, user=user, dry_run=options["dry_run"])
        except ImportRefused as refused:
            self._errors(refused.plan.errors)
            raise CommandError("The rows no longer pass the checks: nothing changed.") from None
        prefix = "Dry run (rolled back): " if options["dry_run"] else ""
        summary = plan.summary
        self.stdout.write(
            f"{prefix}{summary['created']} new, {summary['changed']} changed, "
            f"{summary['unchanged']} unchanged."
        )

    def _errors(self, errors: list[dict]) -> None:
        for error in errors:
            where = ", ".join(
                str(part)
                for part in (
                    error["sheet"],
                    error["row"] and f"row {error['row']}",
                    error["column"],
                )
                if part
            )
            self.stderr.write(f"{where}: {error['message']}")
