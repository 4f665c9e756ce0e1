"""Import an IATI activity file (2.01–2.03): all or nothing, or activity by activity, with a dry run."""

from __future__ import annotations

import os
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from opencoop.core.outputs import output_path, write_atomically
from opencoop.iati.importer import MODES, STRICT, ImportReport, import_activity_file
from opencoop.iati.report_files import counts_by_kind, report_lines

BAR_WIDTH = 30
# Redraw the bar at most this often (seconds): drawing is slower than reading.
REDRAW_EVERY = 0.2
LISTED = 50
ISSUES_LISTED = 500


class ProgressBar:
    """Draw how much of the file has been read on one console line."""

    def __init__(self, stream: OutputWrapper, total: int) -> None:
        self.stream = stream
        self.total = max(total, 1)
        self.started = time.monotonic()
        self.drawn = 0.0

    def __call__(self, done: int, activities: int) -> None:
        now = time.monotonic()
        if now - self.drawn < REDRAW_EVERY and done < self.total:
            return
        self.drawn = now
        share = min(done / self.total, 1)
        filled = int(share * BAR_WIDTH)
        elapsed = now - self.started
        rate = activities / elapsed if elapsed > 0 else 0
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:4.0%}  "
            f"{activities} activities  {rate:.0f}/s",
            ending="",
        )
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import an IATI activity file (versions 2.01–2.03): create or update activities by IATI "
        "identifier as published revisions. In the strict mode (the default) any error leaves "
        "the database as it was; with --mode per-activity the activities with errors are "
        "skipped and the others imported. --dry-run shows what would change without changing "
        "anything."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the IATI activity file (XML)")
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change; change nothing"
        )
        parser.add_argument(
            "--reporting-org",
            default="",
            metavar="IDENT",
            help="accept only the activities of this reporting organisation",
        )
        parser.add_argument(
            "--mode",
            choices=MODES,
            default=STRICT,
            help="strict: refuse the whole file on any error (default); per-activity: import "
            "the valid activities and skip those with errors, listing why",
        )
        parser.add_argument(
            "--drafts",
            action="store_true",
            help="save new and changed activities as drafts instead of publishing them",
        )
        parser.add_argument(
            "--user", metavar="USERNAME", help="record the new revisions as made by this user"
        )
        parser.add_argument(
            "--base-url",
            help="address of the portal, to recognise its own documents (default: the site's)",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="do not draw the progress bar"
        )
        parser.add_argument(
            "--report",
            type=output_path,
            metavar="FILE",
            help="write every error and warning to FILE as CSV (level, line, activity, element, "
            "message)",
        )

    def handle(self, *args, **options) -> None:
        path = options["file"]
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user is called {options['user']!r}.")
        try:
            stream = open(path, "rb")  # closed in the finally below
        except OSError as exc:
            raise CommandError(f"{path}: cannot be read ({exc.strerror}).") from exc
        bar = None
        if not options["no_progress"] and options["verbosity"] > 0:
            bar = ProgressBar(self.stderr, os.fstat(stream.fileno()).st_size)
        try:
            report = import_activity_file(
                stream=stream,
                file_name=os.path.basename(path),
                user=user,
                reporting_org=options["reporting_org"],
                dry_run=options["dry_run"],
                publish=not options["drafts"],
                base_url=options["base_url"],
                progress=bar,
                mode=options["mode"],
            )
        finally:
            stream.close()
            if bar is not None:
                bar.close()
        self.print_report(report)
        if options["report"]:
            write_atomically(options["report"], report_lines(report))
            self.stdout.write(
                f"Report of {len(report.errors)} error(s) and {len(report.warnings)} warning(s) "
                f"written to {options['report']}"
            )
        if not report.ok:
            raise CommandError(f"{path}: {report.summary()}")

    def print_report(self, report: ImportReport) -> None:
        """List what changed (or would), the warnings on stdout and the errors on stderr."""
        verb = "would be " if report.dry_run or not report.ok else ""
        for title, identifiers in (
            (f"created ({verb}new revisions)", report.created),
            (f"changed ({verb}new revisions)", [f"{i}: {', '.join(p)}" for i, p in report.changed]),
        ):
            if identifiers:
                self.stdout.write(f"{len(identifiers)} {title}:")
                for line in identifiers[:LISTED]:
                    self.stdout.write(f"  {line}")
                if len(identifiers) > LISTED:
                    self.stdout.write(f"  … and {len(identifiers) - LISTED} more")
        if report.unchanged:
            self.stdout.write(f"{len(report.unchanged)} unchanged (no new revision)")
        if report.organisations_created:
            names = ", ".join(report.organisations_created[:LISTED])
            self.stdout.write(f"{len(report.organisations_created)} organisations created: {names}")
        for warning in report.warnings[:ISSUES_LISTED]:
            self.stdout.write(f"warning: {warning}")
        if len(report.warnings) > ISSUES_LISTED:
            self.stdout.write(
                f"… and {len(report.warnings) - ISSUES_LISTED} more warnings (--report FILE "
                "writes them all)"
            )
        for error in report.errors:
            self.stderr.write(f"error: {error}")
        if report.skipped:
            self.stderr.write(f"{len(report.skipped)} activities skipped (they have errors):")
            for skipped in report.skipped:
                self.stderr.write(f"  {skipped.identifier or '—'} (line {skipped.line})")
        if report.stopped_early:
            self.stderr.write("error: stopped reading after too many errors")
        for level, element, count in counts_by_kind(report):
            self.stdout.write(f"{level}s at {element}: {count}")
        if report.ok:
            self.stdout.write(self.style.SUCCESS(report.summary()))
