"""Writes of the editorial app that other apps reuse: submitting a record for review."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from wagtail.models import (
    AbstractGroupApprovalTask,
    Task,
    TaskState,
    Workflow,
    WorkflowState,
)
from wagtail.signals import task_submitted, workflow_submitted

from opencoop.core.multilingual import text

SLUG_LENGTH = 110


def submit_for_review(*, record: models.Model, user) -> WorkflowState | None:
    """Put ``record``'s latest revision in review (resuming a review that asked for changes).

    Return the workflow state, or None when the record has no review workflow.
    """
    return submit_records_for_review(records=[record], user=user)[0]


def submit_records_for_review(
    *, records: Sequence[models.Model], user
) -> list[WorkflowState | None]:
    """Put the latest revision of each of ``records`` (of one model) in review, in bulk.

    What Wagtail's ``Workflow.start`` leaves for one record: the workflow state, the state of its
    first task on the latest revision, the "workflow.start" history entry, and the
    ``task_submitted`` and ``workflow_submitted`` signals (the reviewers' mails), sent for each
    record. ``start`` costs some twenty queries a record (each foreign key checked, the
    workflow and its first task looked up again, every row saved twice); an import submits
    thousands, so here the workflow, its first task and the records' states are read once and
    the rows written in bulk. A review that asked for changes is resumed, and records locked by
    someone, or a workflow whose first task starts in its own way, take Wagtail's own path.
    Return each record's workflow state (None without a review workflow), in order.
    """
    records = list(records)
    if not records:
        return []
    with transaction.atomic():
        return _submit(records, user)


def _submit(records: list[models.Model], user) -> list[WorkflowState | None]:
    workflow = records[0].get_workflow()
    if workflow is None:
        return [None] * len(records)
    model = type(records[0])
    base_content_type = records[0].get_base_content_type()
    ids = [str(record.pk) for record in records]
    current = {
        state.object_id: state
        for state in WorkflowState.objects.active()
        .filter(base_content_type=base_content_type, object_id__in=ids)
        .select_related("current_task_state__task")
    }
    # As stored, as Wagtail's start reads them: a caller may hold a copy older than its last save.
    stored = {
        str(pk): (latest_revision_id, locked_by_id)
        for pk, latest_revision_id, locked_by_id in model._default_manager.filter(
            pk__in=[r.pk for r in records]
        ).values_list("pk", "latest_revision_id", "locked_by_id")
    }
    locked = {key for key, (_revision, locked_by) in stored.items() if locked_by is not None}
    task = (
        Task.objects.filter(workflow_tasks__workflow=workflow, active=True)
        .order_by("workflow_tasks__sort_order")
        .first()
    )
    task = task.specific if task is not None else None
    in_bulk = task is not None and _starts_plainly(task)
    states: dict[str, WorkflowState] = {}
    fresh = []
    for record, key in zip(records, ids, strict=True):
        state = current.get(key)
        if state is not None:
            if state.status == WorkflowState.STATUS_NEEDS_CHANGES:
                state.resume(user)
            states[key] = state
        elif in_bulk and key not in locked:
            fresh.append(record)
        else:
            states[key] = workflow.start(record, user)
    if fresh:
        revisions = {key: revision for key, (revision, _locked_by) in stored.items()}
        states.update(_start_in_bulk(workflow, task, fresh, revisions, base_content_type, user))
    return [states[key] for key in ids]


def _starts_plainly(task: Task) -> bool:
    """Tell whether ``task`` starts as Wagtail's group approval does (one plain task state)."""
    return (
        type(task).start in (Task.start, AbstractGroupApprovalTask.start)
        and task.get_task_state_class() is TaskState
    )


def _start_in_bulk(
    workflow: Workflow,
    task: Task,
    records: list[models.Model],
    revisions: dict[str, int | None],
    base_content_type,
    user,
) -> dict[str, WorkflowState]:
    """Start ``workflow`` on ``records`` (none in review, none locked) at ``task``, in bulk.

    ``revisions`` holds each record's latest revision by key: the one its review is of.
    """
    from django.contrib.contenttypes.models import ContentType
    from wagtail.log_actions import get_active_log_context
    from wagtail.models import ModelLogEntry

    from opencoop.core.bulk import insert_rows, update_rows

    from .signals import recipients_kept

    now = timezone.now()
    content_type = ContentType.objects.get_for_model(records[0], for_concrete_model=False)
    states = [
        WorkflowState(
            content_type=content_type,
            base_content_type=base_content_type,
            object_id=str(record.pk),
            workflow=workflow,
            status=WorkflowState.STATUS_IN_PROGRESS,
            requested_by=user,
        )
        for record in records
    ]
    insert_rows(WorkflowState, states)
    task_states = [
        TaskState(
            workflow_state=state,
            revision_id=revisions[str(record.pk)],
            task=task,
            status=TaskState.STATUS_IN_PROGRESS,
        )
        for record, state in zip(records, states, strict=True)
    ]
    insert_rows(TaskState, task_states)
    for record, state, task_state in zip(records, states, task_states, strict=True):
        state.current_task_state = task_state
        # In memory, so that the mails' recipients and texts are found without a query each.
        state.content_object, state.object_id = record, str(record.pk)
    update_rows(WorkflowState, states, ["current_task_state"])
    context = get_active_log_context()
    entries = [
        ModelLogEntry(
            content_type=content_type,
            object_id=str(record.pk),
            label=str(record) or f"{type(record).__name__} object ({record.pk})",
            action="wagtail.workflow.start",
            timestamp=now,
            data={
                "workflow": {
                    "id": workflow.pk,
                    "title": workflow.name,
                    "status": state.status,
                    "next": {"id": task.pk, "title": task.name},
                    "task_state_id": task_state.pk,
                }
            },
            user=user or context.user,
            uuid=context.uuid,
            revision_id=task_state.revision_id,
        )
        for record, state, task_state in zip(records, states, task_states, strict=True)
    ]
    insert_rows(ModelLogEntry, entries)
    with recipients_kept():
        for state, task_state in zip(states, task_states, strict=True):
            task_submitted.send(sender=TaskState, instance=task_state, user=user)
            workflow_submitted.send(sender=WorkflowState, instance=state, user=user)
    return {state.object_id: state for state in states}


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


def unique_slug(
    *, record: models.Model, taken: set[str] | None = None, all_taken: bool = False
) -> str:
    """Return a slug for ``record`` from its English (else any) title, unique in its authority.

    ``taken`` holds slugs already given in the same batch; the new slug is added to it. With
    ``all_taken``, ``taken`` also holds every slug of the authority (read once for a file), so
    the authority's slugs are not read again for each record.
    """
    title = getattr(record, "title", None) or {}
    base = slugify(text(title, "en"))[:SLUG_LENGTH] or slugify(
        getattr(record, "iati_identifier", "")
    )
    base = base[:SLUG_LENGTH] or record._meta.model_name
    given = taken if taken is not None else set()
    existing: set[str] = set()
    if not all_taken:
        existing = set(
            type(record)
            ._default_manager.filter(
                reporting_org_id=record.reporting_org_id, slug__startswith=base
            )
            .exclude(pk=record.pk)
            .values_list("slug", flat=True)
        )
    slug, number = base, 2
    while slug in existing or slug in given:
        slug = f"{base}-{number}"
        number += 1
    given.add(slug)
    return slug
