"""Recompute every record's translation status and publication check from its latest version."""

from django.core.management.base import BaseCommand

from opencoop.editorial.scope import record_models
from opencoop.editorial.services import refresh_record_status


class Command(BaseCommand):
    help = "Recompute translation status and publication checks of every record."

    def handle(self, *args, **options):
        count = 0
        for model in record_models():
            for record in model._default_manager.iterator():
                # No earlier version is compared: existing translations count as in step.
                refresh_record_status(record=record.get_latest_revision_as_object(), previous=None)
                count += 1
        self.stdout.write(f"{count} records checked.")
