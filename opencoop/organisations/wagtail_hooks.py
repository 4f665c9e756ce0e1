"""Admin for organisations.

Who may change, publish or delete which organisation is ``opencoop.access.policy``'s rule,
applied through ``opencoop.editorial.permissions.OrganisationPermissionPolicy``; the form keeps
the "reporting authority" flag to administrators.
"""

from wagtail.admin.panels import ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .forms import OrganisationForm
from .models import Organisation


class OrganisationViewSet(SnippetViewSet):
    model = Organisation
    icon = "group"
    edit_handler = ObjectList(Organisation.panels, base_form_class=OrganisationForm)


register_snippet(OrganisationViewSet)
