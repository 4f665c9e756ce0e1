"""Admin for suggestions."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Suggestion


class SuggestionViewSet(SnippetViewSet):
    model = Suggestion
    icon = "mail"


register_snippet(SuggestionViewSet)
