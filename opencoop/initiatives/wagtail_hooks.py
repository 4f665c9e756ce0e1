"""Admin for initiatives."""

from wagtail.snippets.models import register_snippet

from opencoop.editorial.viewsets import EditorialSnippetViewSet

from .models import Initiative


class InitiativeViewSet(EditorialSnippetViewSet):
    model = Initiative
    icon = "date"


register_snippet(InitiativeViewSet)
