"""Restore a backup archive into an empty database and MEDIA_ROOT."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from opencoop.operations.backup import (
    BackupError,
    encryption_of,
    read_manifest,
    restore_backup,
)


class Command(BaseCommand):
    help = "Restore a backup archive made by `backup` into an EMPTY database (see docs/backup.md)."

    def add_arguments(self, parser):
        parser.add_argument(
            "archive", help="The .tar (or encrypted .tar.gpg, .tar.age) file written by `backup`."
        )
        parser.add_argument(
            "--identity",
            metavar="KEYFILE",
            help="For a .tar.age archive: the file holding age's private key. gpg uses its keyring.",
        )

    def handle(self, *args, **options):
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(f"{archive} does not exist.")
        identity = Path(options["identity"]) if options["identity"] else None
        try:
            tool = encryption_of(archive)
            if tool:
                self.stdout.write(f"Decrypting {archive} with {tool} and restoring it…")
            else:
                manifest = read_manifest(archive)
                self.stdout.write(
                    f"Restoring {archive} made {manifest['created_at']} "
                    f"({manifest['database_format']}, {manifest['media_files']} media files)…"
                )
            report = restore_backup(archive_path=archive, identity=identity)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not report.ok:
            lines = [
                f"  {label}: {exp} in the backup, {got} restored"
                for label, (exp, got) in sorted(report.mismatches.items())
            ]
            raise CommandError("Restored, but row counts differ:\n" + "\n".join(lines))
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored: every model's row count matches the backup; "
                f"{report.media_files} media files."
            )
        )
