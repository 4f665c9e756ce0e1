from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "opencoop.catalogue"
    label = "catalogue"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import page_published, published, unpublished

        from opencoop.activities.models import Activity
        from opencoop.core.writes import records_written
        from opencoop.exchanges.models import Exchange
        from opencoop.initiatives.models import Initiative

        from .indexing import activity_search_text
        from .signals import (
            forget_row,
            learn_published,
            part_changed,
            record_saved,
            refresh_row,
            refresh_written_rows,
            reindex_published,
        )

        # What the search index holds about an activity besides its title and description is
        # the catalogue's to decide; activities are searched through it without importing it.
        Activity.search_text = activity_search_text
        # The home page's numbers are the kept counts; the pages count through them the same way.
        from opencoop.pages import records as kinds_of_records

        from .selectors import kept_counts_by_authority

        kinds_of_records.count_by_authority = kept_counts_by_authority
        published.connect(reindex_published, sender=Activity, dispatch_uid="catalogue-reindex")
        published.connect(learn_published, dispatch_uid="catalogue-learn-words")
        page_published.connect(learn_published, dispatch_uid="catalogue-learn-page-words")
        # The catalogue's rows follow publication, in the same transaction (``rows``).
        for model in (Activity, Initiative, Exchange):
            for signal in (published, unpublished):
                signal.connect(refresh_row, sender=model, dispatch_uid=f"catalogue-row-{model}")
            post_delete.connect(forget_row, sender=model, dispatch_uid=f"catalogue-forget-{model}")
            post_save.connect(record_saved, sender=model, dispatch_uid=f"catalogue-saved-{model}")
        from .rows import PARENTS

        for part in PARENTS:
            for signal in (post_save, post_delete):
                signal.connect(part_changed, sender=part, dispatch_uid=f"catalogue-part-{part}")
        records_written.connect(refresh_written_rows, dispatch_uid="catalogue-rows-written")
