"""The admin's JSON APIs, narrowed to what the access policy lets the user see.

Wagtail's admin API (``/admin/api/main/documents/``, ``images/``) and wagtail-localize's snippet
API (``/admin/localize/api/snippets/<app>/<model>/``) list every object of a model to any user
who may enter the admin: a partner's contact would read the titles of other authorities' drafts,
embargoed records and hidden partners, and the names of documents attached only to them. Here
both ask ``opencoop.access.policy.visible_to``; a detail address of an object out of sight
answers 404, as for a missing one. wagtail-localize's translations report is narrowed the same
way. Its other views need no change: submitting and updating translations need a permission no
role holds, and its editor's views ask the page permissions (only pages are translatable here).

Wagtail's endpoints are replaced in its own router (the ``construct_admin_api`` hook, after
Wagtail's); wagtail-localize's are served at its own addresses (``opencoop/urls.py`` puts them
before the admin's), so its editor and ``reverse()`` keep working.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.urls import path
from wagtail.admin.auth import require_admin_access
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet
from wagtail.permissions import policy_registry
from wagtail_localize.models import TranslationSource
from wagtail_localize.views.report import TranslationsReportView
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
    except other authorities' hidden partners (``policy.visible_to``); nothing of a model whose
    snippets the user may not work on at all (memberships, for one)."""

    def get_queryset(self) -> models.QuerySet:
        model = self.get_model()
        permission_policy = policy_registry.get_by_type(model)
        if not permission_policy.user_has_any_permission(
            self.request.user, ["add", "change", "delete", "view"]
        ):
            raise PermissionDenied
        return policy.visible_to(self.request.user, super().get_queryset())


class ScopedTranslationsReportView(TranslationsReportView):
    """wagtail-localize's translations report: translations of objects the user may see."""

    def get_queryset(self) -> models.QuerySet:
        queryset = super().get_queryset()
        user = self.request.user
        allowed = models.Q(pk__in=[])
        sources = TranslationSource.objects.values_list("specific_content_type", flat=True)
        for content_type in ContentType.objects.filter(pk__in=sources.distinct()):
            model = content_type.model_class()
            if model is None:
                continue
            keys = policy.visible_to(user, model).values("translation_key")
            allowed |= models.Q(
                source__specific_content_type=content_type, source__object_id__in=keys
            )
        return queryset.filter(allowed)


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
    path(
        "reports/translations/",
        require_admin_access(ScopedTranslationsReportView.as_view()),
    ),
    path(
        "reports/translations/results/",
        require_admin_access(ScopedTranslationsReportView.as_view(results_only=True)),
    ),
]
