"""Admin for exchanges."""

from wagtail.snippets.models import register_snippet

from opencoop.editorial.listing import record_filterset
from opencoop.editorial.viewsets import EditorialSnippetViewSet

from .models import Exchange


class ExchangeViewSet(EditorialSnippetViewSet):
    model = Exchange
    filterset_class = record_filterset(Exchange)
    icon = "group"


register_snippet(ExchangeViewSet)
