"""Admin for initiatives."""

from wagtail.snippets.models import register_snippet

from opencoop.editorial.listing import record_filterset
from opencoop.editorial.viewsets import EditorialSnippetViewSet

from .models import Initiative


class InitiativeViewSet(EditorialSnippetViewSet):
    model = Initiative
    filterset_class = record_filterset(Initiative)
    icon = "date"


register_snippet(InitiativeViewSet)
