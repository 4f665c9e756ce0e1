"""Generate fictional reporting authorities with fifteen years of figures (demo and benchmarks)."""

from django.core.management.base import BaseCommand, CommandError

from opencoop.demo.generator import GeneratorError, generate


class Command(BaseCommand):
    help = (
        "Generate the fictional 'Comune di Esempio' (and, with --authorities, more fictional "
        "authorities) with activities, budgets, transactions, annual plans and pages. "
        "Running again with the same seed gives the same data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--activities", type=int, default=60, help="activities per authority")
        parser.add_argument("--authorities", type=int, default=1, help="fictional authorities")
        parser.add_argument(
            "--seed", type=int, default=2011, help="random seed (same seed, same data)"
        )
        parser.add_argument(
            "--revisions",
            action="store_true",
            help="write a published revision for every record (slower)",
        )
        parser.add_argument("--no-pages", action="store_true", help="create no pages")
        parser.add_argument(
            "--pages-for",
            type=int,
            default=None,
            metavar="N",
            help="create pages for the first N authorities only (default: every one)",
        )
        parser.add_argument(
            "--atlas-host",
            default=None,
            metavar="HOST:PORT",
            help="where the atlas site holding the authorities' pages answers "
            "(default atlas.localhost:8000)",
        )
        parser.add_argument(
            "--no-index", action="store_true", help="do not add the activities to the search index"
        )

    def handle(
        self,
        *args,
        activities,
        authorities,
        seed,
        revisions,
        no_pages,
        no_index,
        pages_for,
        atlas_host,
        **options,
    ):
        try:
            report = generate(
                activities=activities,
                authorities=authorities,
                seed=seed,
                revisions=revisions,
                pages=not no_pages,
                index=not no_index,
                page_authorities=pages_for,
                atlas_host=atlas_host,
            )
        except GeneratorError as exc:
            raise CommandError(str(exc)) from exc
        if report.deleted:
            self.stdout.write(
                f"Deleted the previous run's data: {report.deleted} rows in "
                f"{report.deleting_seconds:.1f} s."
            )
        self.stdout.write(
            f"Generated {', '.join(report.authorities)} (fictional) with seed {seed}: "
            f"{report.total_rows} rows in {report.seconds:.1f} s "
            f"({report.rows_per_second:.0f} rows/s)."
        )
        for kind, count in sorted(report.rows.items()):
            self.stdout.write(f"  {kind}: {count}")
