"""Admin for suggestions, and the spam checks run before the suggestions page serves a POST."""

from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Suggestion
from .views import refuse_flood_or_robot


class SuggestionViewSet(SnippetViewSet):
    model = Suggestion
    icon = "mail"


register_snippet(SuggestionViewSet)


@hooks.register("before_serve_page")
def guard_suggestions(page, request, serve_args, serve_kwargs):
    """Apply the form's spam checks to a POST that reaches the page's own address too."""
    from opencoop.pages.models import SuggestionPage

    if request.method != "POST" or not isinstance(page, SuggestionPage):
        return None
    return refuse_flood_or_robot(page, request)
