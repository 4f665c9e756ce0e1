"""Admin for exchanges."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Exchange


class ExchangeViewSet(SnippetViewSet):
    model = Exchange
    icon = "group"


register_snippet(ExchangeViewSet)
