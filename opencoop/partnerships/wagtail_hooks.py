"""Admin for partnerships."""

from wagtail.snippets.models import register_snippet

from opencoop.editorial.viewsets import EditorialSnippetViewSet

from .models import Partnership


class PartnershipViewSet(EditorialSnippetViewSet):
    model = Partnership
    icon = "link"


register_snippet(PartnershipViewSet)
