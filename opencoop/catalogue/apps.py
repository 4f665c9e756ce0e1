from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "opencoop.catalogue"
    label = "catalogue"

    def ready(self) -> None:
        from wagtail.signals import page_published, published

        from opencoop.activities.models import Activity

        from .indexing import activity_search_text
        from .signals import learn_published, reindex_published

        # What the search index holds about an activity besides its title and description is
        # the catalogue's to decide; activities are searched through it without importing it.
        Activity.search_text = activity_search_text
        published.connect(reindex_published, sender=Activity, dispatch_uid="catalogue-reindex")
        published.connect(learn_published, dispatch_uid="catalogue-learn-words")
        page_published.connect(learn_published, dispatch_uid="catalogue-learn-page-words")
