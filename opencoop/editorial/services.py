"""Writes of the editorial app that other apps reuse: submitting a record for review."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.text import slugify
from wagtail.models import WorkflowState

from opencoop.core.multilingual import text

SLUG_LENGTH = 110


def submit_for_review(*, record: models.Model, user) -> WorkflowState | None:
    """Put ``record``'s latest revision in review (resuming a review that asked for changes).

    Return the workflow state, or None when the record has no review workflow.
    """
    workflow = record.get_workflow()
    if workflow is None:
        return None
    state = record.current_workflow_state
    if state is None:
        return workflow.start(record, user)
    if state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        state.resume(user)
    return state


def refresh_record_status(*, record: models.Model, previous: models.Model | None) -> None:
    """Store the translation status and the publication check of ``record``'s latest version."""
    from django.contrib.contenttypes.models import ContentType

    from .models import RecordCheck
    from .quality import publication_problems
    from .translations import update_translation_states

    update_translation_states(record=record, previous=previous)
    # Stored once for every reader: in the portal's first language, whoever saved and in
    # whatever language the save ran; readers get them in theirs (quality.stored_problems).
    with translation.override(settings.LANGUAGE_CODE):
        problems = publication_problems(record)
    RecordCheck.objects.update_or_create(
        content_type=ContentType.objects.get_for_model(record, for_concrete_model=False),
        object_id=str(record.pk),
        defaults={
            "publishable": not problems,
            "problems": [problem.as_dict() for problem in problems],
        },
    )


def refresh_first_status(records: list[models.Model]) -> None:
    """Store the status of records saved for the first time, in two inserts (a bulk import).

    The same translation states and publication checks as ``refresh_record_status`` with no
    previous version; the records have none stored yet.
    """
    from django.contrib.contenttypes.models import ContentType

    from opencoop.core.bulk import insert_rows

    from .models import RecordCheck, TranslationState
    from .quality import publication_problems
    from .translations import first_translation_states

    states, checks = [], []
    for record in records:
        states += first_translation_states(record)
        with translation.override(settings.LANGUAGE_CODE):
            problems = publication_problems(record)
        checks.append(
            RecordCheck(
                content_type=ContentType.objects.get_for_model(record, for_concrete_model=False),
                object_id=str(record.pk),
                publishable=not problems,
                problems=[problem.as_dict() for problem in problems],
            )
        )
    insert_rows(TranslationState, states)
    insert_rows(RecordCheck, checks)


def refresh_changed_status(records: list[models.Model], previous: dict) -> None:
    """Store the status of records changed in bulk, as ``refresh_record_status`` does for each.

    ``previous`` maps a record's primary key to its version before the change (missing: none).
    The stored states and checks are read in two queries and written in four statements, not
    in three or more queries a record (an import or harvest changes thousands).
    """
    from django.contrib.contenttypes.models import ContentType

    from opencoop.core.bulk import insert_rows, update_rows

    from .models import RecordCheck, TranslationState
    from .quality import publication_problems
    from .translations import assessed_states

    if not records:
        return
    content_type = ContentType.objects.get_for_model(records[0], for_concrete_model=False)
    ids = [str(record.pk) for record in records]
    stored: dict[str, dict[str, TranslationState]] = {}
    for state in TranslationState.objects.filter(content_type=content_type, object_id__in=ids):
        stored.setdefault(state.object_id, {})[state.language] = state
    checks = {
        check.object_id: check
        for check in RecordCheck.objects.filter(content_type=content_type, object_id__in=ids)
    }
    states: list[TranslationState] = []
    new_checks: list[RecordCheck] = []
    for record in records:
        states += assessed_states(record, previous.get(record.pk), stored.get(str(record.pk), {}))
        with translation.override(settings.LANGUAGE_CODE):
            problems = publication_problems(record)
        check = checks.get(str(record.pk))
        if check is None:
            check = RecordCheck(content_type=content_type, object_id=str(record.pk))
            new_checks.append(check)
        check.publishable = not problems
        check.problems = [problem.as_dict() for problem in problems]
    state_fields = ["status", "source_hashes", "missing_fields", "outdated_fields", "updated_at"]
    update_rows(TranslationState, [s for s in states if s.pk is not None], state_fields)
    insert_rows(TranslationState, [s for s in states if s.pk is None])
    update_rows(RecordCheck, list(checks.values()), ["publishable", "problems", "checked_at"])
    insert_rows(RecordCheck, new_checks)


def unique_slug(*, record: models.Model, taken: set[str] | None = None) -> str:
    """Return a slug for ``record`` from its English (else any) title, unique in its authority.

    ``taken`` holds slugs already given in the same batch; the new slug is added to it.
    """
    title = getattr(record, "title", None) or {}
    base = slugify(text(title, "en"))[:SLUG_LENGTH] or slugify(
        getattr(record, "iati_identifier", "")
    )
    base = base[:SLUG_LENGTH] or record._meta.model_name
    existing = set(
        type(record)
        ._default_manager.filter(reporting_org_id=record.reporting_org_id, slug__startswith=base)
        .exclude(pk=record.pk)
        .values_list("slug", flat=True)
    ) | (taken or set())
    slug, number = base, 2
    while slug in existing:
        slug = f"{base}-{number}"
        number += 1
    if taken is not None:
        taken.add(slug)
    return slug
