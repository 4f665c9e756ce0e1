from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "opencoop.pages"
    label = "pages"

    def ready(self) -> None:
        from opencoop.core.models import EditorialRecord

        from .preview import serve_record_preview

        # A record's public page is the site's to draw; records preview it without importing it.
        EditorialRecord.public_page_preview = serve_record_preview
