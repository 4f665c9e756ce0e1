"""What the records' admin lists show and filter: state, authority, last change, translations.

The publication state (draft, live, embargoed) is the access policy's (``policy.
publication_state`` and its SQL form); "in review" is Wagtail's workflow state; "sensitive" is
``opencoop.activities.disclosure``'s rule. Each is read once for the whole page, in SQL
annotations, so a list asks the same number of queries whatever its length.
"""

from __future__ import annotations

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.models import WorkflowState

from opencoop.access import policy

from .models import TranslationState

IN_REVIEW, SENSITIVE = "in_review", "sensitive"
STATE_LABELS = {
    policy.DRAFT: _("Draft"),
    IN_REVIEW: _("In review"),
    policy.LIVE: _("Live"),
    policy.EMBARGOED: _("Embargoed"),
    SENSITIVE: _("Sensitive"),
}


def _of_record(queryset: models.QuerySet, model: type[models.Model]) -> models.QuerySet:
    """Narrow rows keyed by content type and object id to those of the outer record."""
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    return queryset.filter(
        content_type=content_type, object_id=Cast(models.OuterRef("pk"), models.CharField())
    )


def in_review(model: type[models.Model]) -> models.Exists:
    """Return the condition "a review workflow is in progress" (Wagtail's workflow state)."""
    return models.Exists(
        _of_record(WorkflowState.objects.filter(status=WorkflowState.STATUS_IN_PROGRESS), model)
    )


def sensitive(model: type[models.Model]) -> models.Q | None:
    """Return the condition "sensitive", for the models that can be (activities), else None."""
    from opencoop.activities import disclosure
    from opencoop.activities.models import Activity

    return disclosure.sensitive() if issubclass(model, Activity) else None


def missing_translation(model: type[models.Model]) -> models.Exists:
    """Return the condition "a portal language lacks some of the record's texts"."""
    return models.Exists(
        _of_record(TranslationState.objects.filter(status=TranslationState.MISSING), model)
    )


def with_states(queryset: models.QuerySet) -> models.QuerySet:
    """Annotate what the state column reads, and fetch each record's authority with it."""
    model = queryset.model
    condition = sensitive(model)
    queryset = queryset.annotate(
        _in_review=in_review(model),
        _sensitive=models.ExpressionWrapper(
            condition if condition is not None else models.Value(False),
            output_field=models.BooleanField(),
        ),
    )
    if any(f.name == "reporting_org" for f in model._meta.get_fields()):
        queryset = queryset.select_related("reporting_org")
    return queryset


def in_state(queryset: models.QuerySet, state: str) -> models.QuerySet:
    """Keep the records in ``state``: one of ``STATE_LABELS``."""
    model = queryset.model
    if state == IN_REVIEW:
        return queryset.filter(in_review(model))
    if state == SENSITIVE:
        condition = sensitive(model)
        return queryset.filter(condition) if condition is not None else queryset.none()
    return policy.in_publication_state(queryset, state)


def states(record: models.Model) -> list[tuple[str, str]]:
    """Return the (code, label) of each state of a record annotated by ``with_states``."""
    codes = [policy.publication_state(record)]
    if getattr(record, "_in_review", False):
        codes.append(IN_REVIEW)
    if getattr(record, "_sensitive", False):
        codes.append(SENSITIVE)
    return [(code, str(STATE_LABELS[code])) for code in codes]


class StateColumn(Column):
    """Show a record's states: draft, live or embargoed; in review; sensitive."""

    cell_template_name = "editorial/tables/state_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["states"] = states(instance)
        return context


def state_choices(model: type[models.Model]) -> list[tuple[str, str]]:
    """Offer the states a record of ``model`` can be in (only activities can be sensitive)."""
    return [
        (code, label)
        for code, label in STATE_LABELS.items()
        if code != SENSITIVE or sensitive(model) is not None
    ]


class RecordFilterSet(WagtailFilterSet):
    """Filter a record list by state and by missing translation (and the Meta's fields)."""

    state = django_filters.ChoiceFilter(
        label=_("State"), choices=list(STATE_LABELS.items()), method="filter_state"
    )
    missing_translation = django_filters.ChoiceFilter(
        label=_("Missing translation"),
        choices=[("1", _("Yes")), ("0", _("No"))],
        empty_label=_("All"),
        method="filter_missing_translation",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["state"].extra["choices"] = state_choices(self._meta.model)

    def filter_state(self, queryset, name, value):
        return in_state(queryset, value) if value else queryset

    def filter_missing_translation(self, queryset, name, value):
        if value not in ("0", "1"):
            return queryset
        condition = missing_translation(queryset.model)
        return queryset.filter(condition if value == "1" else ~condition)


def record_filterset(model: type[models.Model], *fields: str) -> type[RecordFilterSet]:
    """Return the list filters of ``model``: state, missing translation, authority, ``fields``."""
    authority = (
        ["reporting_org"]
        if any(f.name == "reporting_org" for f in model._meta.get_fields())
        else []
    )
    meta = type("Meta", (), {"model": model, "fields": [*authority, *fields]})
    return type(f"{model.__name__}FilterSet", (RecordFilterSet,), {"Meta": meta})
