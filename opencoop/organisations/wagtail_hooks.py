"""Admin for organisations.

Who may change, publish or delete which organisation is ``opencoop.access.policy``'s rule,
applied through ``opencoop.editorial.permissions.OrganisationPermissionPolicy``; the form keeps
the "reporting authority" flag to administrators.
"""

from functools import wraps

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from wagtail import hooks
from wagtail.admin.panels import ObjectList
from wagtail.permissions import policy_registry
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from opencoop.editorial.viewsets import OrganisationChooserViewSet

from .forms import OrganisationForm
from .models import Organisation
from .views import (
    OrganisationEditView,
    OrganisationIndexView,
    OrganisationUnpublishView,
    hide_publish_button,
)


class OrganisationViewSet(SnippetViewSet):
    model = Organisation
    icon = "group"
    chooser_viewset_class = OrganisationChooserViewSet

    edit_handler = ObjectList(Organisation.panels, base_form_class=OrganisationForm)
    index_view_class = OrganisationIndexView
    edit_view_class = OrganisationEditView
    unpublish_view_class = OrganisationUnpublishView

    def get_queryset(self, request):
        policy = policy_registry.get_by_type(self.model)
        return policy.instances_user_has_any_permission_for(request.user, ["change", "view"])

    def construct_view(self, view_class, **kwargs):
        """Refuse any organisation outside the user's reach, whatever the view.

        Wagtail's generic views check the model's permission only; this asks the policy for the
        organisation itself (PermissionDenied: Wagtail shows "you do not have permission").
        """
        view = super().construct_view(view_class, **kwargs)
        model = self.model
        if issubclass(view_class, snippet_views.DeleteView):
            actions = ["delete"]
        elif issubclass(view_class, snippet_views.UnpublishView):
            actions = ["publish"]
        else:
            actions = ["change", "view"]

        @wraps(view)
        def scoped_view(request, *args, **view_kwargs):
            pk = view_kwargs.get("pk")
            if pk is not None:
                organisation = get_object_or_404(model, pk=unquote(str(pk)))
                policy = policy_registry.get_by_type(model)
                if not policy.user_has_any_permission_for_instance(
                    request.user, actions, organisation
                ):
                    raise PermissionDenied
            return view(request, *args, **view_kwargs)

        return scoped_view


register_snippet(OrganisationViewSet)
hooks.register("construct_snippet_action_menu", hide_publish_button)
