"""The admin's JSON APIs, narrowed to what the access policy lets the user see.

Wagtail's admin API (``/admin/api/main/documents/``, ``images/``) and wagtail-localize's snippet
API (``/admin/localize/api/snippets/<app>/<model>/``) list every object of a model to any user
who may enter the admin: a partner's contact would read the titles of other authorities' drafts,
embargoed records and hidden partners, and the names of documents attached only to them. Here
both ask ``opencoop.access.policy.visible_to``; a detail address of an object out of sight
answers 404, as for a missing one.

Wagtail's endpoints are replaced in its own router (the ``construct_admin_api`` hook, after
Wagtail's); wagtail-localize's are served at its own addresses (``opencoop/urls.py`` puts them
before the admin's), so its editor and ``reverse()`` keep working.
"""

from __future__ import annotations

from django.db import models
from django.urls import path
from wagtail.admin.auth import require_admin_access
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet
from wagtail_localize.views.snippets_api import SnippetViewSet

from opencoop.access import policy


class ScopedDocumentsAdminAPIViewSet(DocumentsAdminAPIViewSet):
    """Documents of the collections the user may use (their authority's)."""

    def get_queryset(self) -> models.QuerySet:
        return policy.visible_to(self.request.user, super().get_queryset())


class ScopedImagesAdminAPIViewSet(ImagesAdminAPIViewSet):
    """Images of the collections the user may use (their authority's)."""

    def get_queryset(self) -> models.QuerySet:
        return policy.visible_to(self.request.user, super().get_queryset())


def register_scoped_endpoints(router) -> None:
    """Replace Wagtail's document and image endpoints of the admin API by the scoped ones."""
    router.register_endpoint("documents", ScopedDocumentsAdminAPIViewSet)
    router.register_endpoint("images", ScopedImagesAdminAPIViewSet)


class ScopedSnippetViewSet(SnippetViewSet):
    """wagtail-localize's snippet listing and detail: records the user reaches, organisations
    except other authorities' hidden partners (``policy.visible_to``)."""

    def get_queryset(self) -> models.QuerySet:
        return policy.visible_to(self.request.user, super().get_queryset())


# wagtail-localize's addresses under /admin/localize/; the others fall through to its own.
urlpatterns = [
    path(
        "api/snippets/<slug:app_label>/<slug:model_name>/",
        require_admin_access(ScopedSnippetViewSet.as_view({"get": "list"})),
    ),
    path(
        "api/snippets/<slug:app_label>/<slug:model_name>/<str:pk>/",
        require_admin_access(ScopedSnippetViewSet.as_view({"get": "retrieve"})),
    ),
]
