"""Write a backup archive of the database and the media files."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from opencoop.operations.backup import BackupError, create_backup, read_manifest


class Command(BaseCommand):
    help = "Back up the database and MEDIA_ROOT into one archive (see docs/backup.md)."

    def add_arguments(self, parser):
        parser.add_argument(
            "destination",
            nargs="?",
            default="backups",
            help="A directory (the archive is named after the time) or a .tar file.",
        )
        parser.add_argument(
            "--format",
            choices=["auto", "pgdump", "json"],
            default="auto",
            help="pgdump on PostgreSQL when pg_dump is installed (auto), or Django's JSON.",
        )

    def handle(self, *args, **options):
        try:
            path = create_backup(
                destination=Path(options["destination"]), database_format=options["format"]
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = read_manifest(path)
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {path}: database as {manifest['database_format']} "
                f"({rows} rows), {manifest['media_files']} media files."
            )
        )
