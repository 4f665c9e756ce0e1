"""Reads for the editors' dashboard and the translation list, always within the user's scope."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.admin.utils import quote
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import NoReverseMatch, reverse
from wagtail.admin.utils import get_latest_str
from wagtail.models import WorkflowState

from . import quality, scope
from .models import RecordCheck, TranslationState
from .roles import sees_everything


@dataclass(frozen=True)
class RecordLink:
    """A record as the dashboard lists it."""

    title: str
    kind: str
    url: str
    detail: str = ""


def edit_url(record: models.Model) -> str:
    viewset = getattr(type(record), "snippet_viewset", None)
    if viewset is None:
        return ""
    try:
        return reverse(viewset.get_url_name("edit"), args=[quote(record.pk)])
    except NoReverseMatch:
        return ""


def _links(rows, details: dict | None = None) -> list[RecordLink]:
    """Turn (content type id, object id) pairs into links, keeping their order."""
    wanted: dict[int, list[str]] = {}
    for content_type_id, object_id in rows:
        wanted.setdefault(content_type_id, []).append(object_id)
    found: dict[tuple[int, str], models.Model] = {}
    for content_type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:
            continue
        records = model._default_manager.filter(pk__in=ids)
        if scope.is_record_model(model):
            # The title of a draft comes from its latest revision: one query, not one per row.
            records = records.select_related("latest_revision").defer("latest_revision__content")
        for record in records:
            found[(content_type_id, str(record.pk))] = record
    links = []
    for key in rows:
        record = found.get((key[0], str(key[1])))
        if record is not None:
            links.append(
                RecordLink(
                    title=get_latest_str(record),
                    kind=str(type(record)._meta.verbose_name),
                    url=edit_url(record),
                    detail=(details or {}).get(key, ""),
                )
            )
    return links


def awaiting_review(user, limit: int = 10) -> tuple[int, list[RecordLink]]:
    """Return how many reachable records are in review, and the oldest submitted first."""
    states = WorkflowState.objects.filter(status=WorkflowState.STATUS_IN_PROGRESS)
    if not sees_everything(user):
        allowed = models.Q(pk__in=[])
        for content_type_id, ids in scope.reachable_object_ids(user, "change").items():
            allowed |= models.Q(base_content_type_id=content_type_id, object_id__in=ids)
        states = states.filter(allowed)
    else:
        record_types = [
            ContentType.objects.get_for_model(m, for_concrete_model=False).pk
            for m in scope.record_models()
        ]
        states = states.filter(base_content_type_id__in=record_types)
    rows = list(
        states.order_by("created_at").values_list("base_content_type_id", "object_id")[:limit]
    )
    return states.count(), _links(rows)


def needing_translation(user, limit: int = 10) -> tuple[int, list[RecordLink]]:
    """Return how many reachable records miss a translation or have one out of date."""
    states = scope.reachable_states(
        TranslationState.objects.exclude(status=TranslationState.COMPLETE), user
    )
    records = states.values("content_type_id", "object_id").distinct()
    details: dict[tuple[int, str], str] = {}
    for state in states.order_by("content_type_id", "object_id", "language")[: limit * 4]:
        key = (state.content_type_id, state.object_id)
        part = f"{state.language.upper()}: {state.get_status_display()}"
        details[key] = f"{details[key]}, {part}" if key in details else part
    rows = list(details)[:limit]
    return records.count(), _links(rows, details)


def failing_checks(user, limit: int = 10) -> tuple[int, list[RecordLink]]:
    """Return how many reachable records would not pass the publication checks."""
    checks = scope.reachable_states(RecordCheck.objects.filter(publishable=False), user)
    details = {}
    rows = []
    for check in checks.order_by("-checked_at")[:limit]:
        key = (check.content_type_id, check.object_id)
        rows.append(key)
        model = ContentType.objects.get_for_id(check.content_type_id).model_class()
        # Stored in the portal's first language: say the first one again in the reader's.
        first = quality.stored_problems(model, check.problems[:1]) if model else []
        more = len(check.problems) - 1
        text = str(first[0]) if first else ""
        details[key] = f"{text} (+{more})" if more > 0 else text
    return checks.count(), _links(rows, details)


def recent_imports(user, limit: int = 5):
    """Return the latest spreadsheet imports of the user's authorities."""
    from opencoop.imports.models import ImportRun

    from .models import EditorialMembership

    runs = ImportRun.objects.latest_first().select_related("reporting_org", "user")
    if not sees_everything(user):
        runs = runs.for_organisations(scope.organisation_ids(user, EditorialMembership.STAFF))
    return list(runs[:limit])
