"""Admin for organisations."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from opencoop.editorial.viewsets import OrganisationChooserViewSet

from .models import Organisation


class OrganisationViewSet(SnippetViewSet):
    model = Organisation
    icon = "group"
    chooser_viewset_class = OrganisationChooserViewSet


register_snippet(OrganisationViewSet)
