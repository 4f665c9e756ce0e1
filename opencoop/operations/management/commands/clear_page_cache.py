"""Make every cached public page stale (after changing content without Django, e.g. in SQL)."""

from django.core.management.base import BaseCommand

from opencoop.operations.pagecache import bump_generation


class Command(BaseCommand):
    help = (
        "Make every page in the page cache stale: the next request for each renders it again. "
        "Publishing in the admin does this by itself; use it after changing rows in SQL."
    )

    def handle(self, *args, **options):
        bump_generation()
        self.stdout.write("Page cache emptied: every page will be rendered again.")
