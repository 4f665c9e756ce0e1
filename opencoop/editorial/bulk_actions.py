"""Bulk actions (delete, publish, move, tag…) that list and act only on what the user may see.

Wagtail's bulk actions list every object whose id is in the address: the ones the user may act on
and, by name, the ones they may not. An officer of one authority could read, by guessing ids,
the titles of another authority's drafts and embargoed records. These replacements drop, before
anything is listed or done, every object the access policy (``opencoop.access.policy``) does not
let the user see: it is neither named nor acted upon; when nothing is left, the request is
refused as for any record out of scope (``PermissionDenied``: Wagtail's redirect home).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from wagtail.admin.views.pages.bulk_actions import delete as page_delete
from wagtail.admin.views.pages.bulk_actions import move as page_move
from wagtail.admin.views.pages.bulk_actions import publish as page_publish
from wagtail.admin.views.pages.bulk_actions import unpublish as page_unpublish
from wagtail.documents.views.bulk_actions import add_tags as document_tags
from wagtail.documents.views.bulk_actions import add_to_collection as document_collection
from wagtail.documents.views.bulk_actions import delete as document_delete
from wagtail.images.views.bulk_actions import add_tags as image_tags
from wagtail.images.views.bulk_actions import add_to_collection as image_collection
from wagtail.images.views.bulk_actions import delete as image_delete
from wagtail.snippets.bulk_actions import delete as snippet_delete

from opencoop.access import policy


class ScopedBulkActionMixin:
    """Keep only the objects the user may see, before anything lists, checks or acts on them."""

    # Wagtail declares it a classmethod but calls it on the instance, where the user is known.
    def get_queryset(self, model, object_ids):
        objects = super().get_queryset(model, object_ids)
        visible = set(
            policy.visible_to(
                self.request.user,
                model._default_manager.filter(pk__in=[obj.pk for obj in objects]),
            ).values_list("pk", flat=True)
        )
        objects = [obj for obj in objects if obj.pk in visible]
        if not objects:
            raise PermissionDenied
        return objects


WAGTAIL_BULK_ACTIONS = [
    snippet_delete.DeleteBulkAction,
    page_delete.DeleteBulkAction,
    page_move.MoveBulkAction,
    page_publish.PublishBulkAction,
    page_unpublish.UnpublishBulkAction,
    document_tags.AddTagsBulkAction,
    document_collection.AddToCollectionBulkAction,
    document_delete.DeleteBulkAction,
    image_tags.AddTagsBulkAction,
    image_collection.AddToCollectionBulkAction,
    image_delete.DeleteBulkAction,
]


def scoped_bulk_actions() -> list[type]:
    """Return a scoped subclass of each of Wagtail's bulk actions, to register in their place."""
    return [
        type(f"Scoped{action.__name__}", (ScopedBulkActionMixin, action), {})
        for action in WAGTAIL_BULK_ACTIONS
    ]
