from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "opencoop.catalogue"
    label = "catalogue"

    def ready(self) -> None:
        from wagtail.signals import published

        from opencoop.activities.models import Activity

        from .signals import reindex_published

        published.connect(reindex_published, sender=Activity, dispatch_uid="catalogue-reindex")
