"""Admin for initiatives."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Initiative


class InitiativeViewSet(SnippetViewSet):
    model = Initiative
    icon = "date"


register_snippet(InitiativeViewSet)
