"""Admin views of organisations that check publishing per organisation.

Wagtail's snippet views ask for the *model's* "publish" permission (the Publish button, the
publish action, the unpublish view). Editors hold it so that they can publish their own
authority's organisations; whether they may publish a given one (not a partner shared with other
authorities) is ``opencoop.access.policy.may_publish``'s answer, asked here.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from wagtail.snippets.views import snippets as snippet_views

from opencoop.access.policy import may_publish
from opencoop.editorial.viewsets import ListingSearchMixin


class OrganisationIndexView(ListingSearchMixin, snippet_views.IndexView):
    """The list of organisations, searched by name (any language) and identifier."""


class OrganisationEditView(snippet_views.EditView):
    def get_available_actions(self):
        actions = super().get_available_actions()
        if "publish" in actions and not may_publish(self.request.user, self.object):
            # Posted "Publish" then saves a draft that waits for a reviewer.
            actions = [action for action in actions if action != "publish"]
        return actions


class OrganisationUnpublishView(snippet_views.UnpublishView):
    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not may_publish(self.request.user, obj):
            raise PermissionDenied
        return obj


def hide_publish_button(menu_items, request, context) -> None:
    """Hook ``construct_snippet_action_menu``: no Publish button where publishing is refused."""
    from .models import Organisation

    instance = context.get("instance")
    if (
        isinstance(instance, Organisation)
        and instance.pk
        and not may_publish(request.user, instance)
    ):
        menu_items[:] = [item for item in menu_items if item.name != "action-publish"]
