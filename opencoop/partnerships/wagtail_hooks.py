"""Admin for partnerships."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Partnership


class PartnershipViewSet(SnippetViewSet):
    model = Partnership
    icon = "link"


register_snippet(PartnershipViewSet)
