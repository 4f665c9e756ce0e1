"""Rebuild the vocabulary "did you mean" corrects queries with, from what is public now."""

from django.core.management.base import BaseCommand

from opencoop.catalogue.spelling import rebuild


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        # Publications add their words as they happen; a rebuild also drops the words of
        # records withdrawn since (run it nightly, or after unpublishing).
        count = rebuild()
        self.stdout.write(f"{count} words in the search vocabulary.")
