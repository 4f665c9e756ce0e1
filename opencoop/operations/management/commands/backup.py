"""Write a backup archive of the database and the media files."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from opencoop.operations.backup import BackupError, create_backup


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
        sessions = parser.add_mutually_exclusive_group()
        sessions.add_argument(
            "--without-sessions",
            dest="with_sessions",
            action="store_false",
            default=False,
            help="Leave out the sessions, i.e. live sign-ins (the default).",
        )
        sessions.add_argument(
            "--with-sessions",
            dest="with_sessions",
            action="store_true",
            help="Keep the sessions, so that editors stay signed in on the restored site.",
        )
        parser.add_argument(
            "--encrypt-to",
            metavar="RECIPIENT",
            help=(
                "Encrypt the archive for a gpg key (id, fingerprint, e-mail) or an age "
                "recipient (age1…); it is named .tar.gpg or .tar.age."
            ),
        )

    def handle(self, *args, **options):
        try:
            path, manifest = create_backup(
                destination=Path(options["destination"]),
                database_format=options["format"],
                with_sessions=options["with_sessions"],
                encrypt_to=options["encrypt_to"],
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["counts"].values())
        encrypted = (
            f", encrypted with {manifest['encrypted_with']} for {options['encrypt_to']}"
            if manifest["encrypted_with"]
            else ""
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {path}: database as {manifest['database_format']} "
                f"({rows} rows, sessions {manifest['sessions']}), "
                f"{manifest['media_files']} media files{encrypted}."
            )
        )
