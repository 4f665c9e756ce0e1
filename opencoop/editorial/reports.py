"""Wagtail's reports, narrowed to what the access policy lets the user see.

Wagtail lets anyone with a permission on a model read the site history and the workflow reports
of every object of that model: an officer of one authority would read the titles of another's
drafts, embargoed records and hidden partners. These views list only the actions on records the
user reaches and on organisations they may see (``opencoop.access.policy.visible_to``); pages,
documents and images keep Wagtail's own rules (their permission policies).

They are served at Wagtail's own addresses (``opencoop/urls.py`` puts them first), so menus,
links and ``reverse()`` keep working.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.functions import Cast
from django.urls import path
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.admin.views.reports.workflows import WorkflowTasksView, WorkflowView

from opencoop.access import policy
from opencoop.organisations.models import Organisation

from . import scope
from .roles import sees_everything


def _scoped_models() -> list[type[models.Model]]:
    """Return the models whose objects the policy narrows per user (records, organisations)."""
    return [*scope.record_models(), Organisation]


def narrow_to_visible(queryset: models.QuerySet, user, prefix: str = "") -> models.QuerySet:
    """Keep the rows (keyed by ``content_type`` and ``object_id``) about objects ``user`` may see.

    Rows about objects of other models are kept: their own permission rules apply.
    """
    if sees_everything(user):
        return queryset
    scoped = models.Q(pk__in=[])
    others = models.Q()
    for model in _scoped_models():
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        visible = (
            policy.visible_to(user, model)
            .annotate(object_id_text=Cast("pk", models.CharField()))
            .values("object_id_text")
        )
        scoped |= models.Q(
            **{f"{prefix}content_type_id": content_type.pk, f"{prefix}object_id__in": visible}
        )
        others &= ~models.Q(**{f"{prefix}content_type_id": content_type.pk})
    return queryset.filter(scoped | others)


class ScopedLogEntriesView(LogEntriesView):
    """The site history: actions on what the user may see."""

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # Page log entries have no object_id: pages keep Wagtail's page permissions.
        if "object_id" not in {f.name for f in queryset.model._meta.get_fields()}:
            return queryset
        return narrow_to_visible(queryset, self.request.user)


class ScopedWorkflowView(WorkflowView):
    """Records in review: those the user reaches."""

    def get_queryset(self):
        return narrow_to_visible(super().get_queryset(), self.request.user)


class ScopedWorkflowTasksView(WorkflowTasksView):
    """Review tasks: on records the user reaches."""

    def get_queryset(self):
        return narrow_to_visible(super().get_queryset(), self.request.user, "workflow_state__")


def _view(view_class, **kwargs):
    return require_admin_access(view_class.as_view(**kwargs))


# Wagtail's addresses under /admin/reports/; the others fall through to Wagtail's own.
urlpatterns = [
    path("site-history/", _view(ScopedLogEntriesView)),
    path("site-history/results/", _view(ScopedLogEntriesView, results_only=True)),
    path("workflow/", _view(ScopedWorkflowView)),
    path("workflow/results/", _view(ScopedWorkflowView, results_only=True)),
    path("workflow_tasks/", _view(ScopedWorkflowTasksView)),
    path("workflow_tasks/results/", _view(ScopedWorkflowTasksView, results_only=True)),
]
