"""Keep each record's translation status and publication check in step with its revisions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_delete, post_save
from wagtail.admin.mail import (
    GroupApprovalTaskStateSubmissionEmailNotifier,
    WorkflowStateSubmissionEmailNotifier,
)
from wagtail.models import Revision, TaskState, WorkflowState
from wagtail.permissions import policy_registry
from wagtail.signals import task_submitted, workflow_submitted

from .models import RecordCheck, TranslationState
from .scope import is_record_model, record_models
from .services import refresh_record_status


def revision_saved(sender, instance: Revision, raw: bool = False, **kwargs) -> None:
    """Refresh the record's status from the revision just saved and the one before it."""
    if raw:
        return
    model = instance.content_type.model_class()
    if model is None or not is_record_model(model):
        return
    before = (
        Revision.objects.filter(
            base_content_type_id=instance.base_content_type_id,
            object_id=instance.object_id,
            pk__lt=instance.pk,
        )
        .order_by("-pk")
        .first()
    )
    refresh_record_status(
        record=instance.as_object(), previous=before.as_object() if before else None
    )


def record_deleted(sender, instance, **kwargs) -> None:
    content_type = ContentType.objects.get_for_model(instance, for_concrete_model=False)
    for model in (TranslationState, RecordCheck):
        model.objects.filter(content_type=content_type, object_id=str(instance.pk)).delete()


# Inside ``recipients_kept``: the recipients each notifier found, by what they depend on.
_kept: ContextVar[dict | None] = ContextVar("submission_recipients_kept", default=None)


@contextmanager
def recipients_kept() -> Iterator[None]:
    """Within, each submission notifier finds the recipients of one kind of record once.

    A bulk submission mails about each of thousands of records: the same reviewers, found by
    two queries a record and notifier (the users, then each one's profile). The recipients
    depend on the notifier, the task, the triggering user and the record's authority only.
    """
    token = _kept.set({})
    try:
        yield
    finally:
        _kept.reset(token)


def _kept_recipients(key: tuple, find) -> set:
    kept = _kept.get()
    if kept is None:
        return find()
    if key not in kept:
        kept[key] = find()
    return kept[key]


class ReviewSubmissionNotifier(GroupApprovalTaskStateSubmissionEmailNotifier):
    """Mail a submission only to the reviewers who may review that record (its authority's)."""

    def get_valid_recipients(self, task_state: TaskState, **kwargs) -> set:
        record = task_state.workflow_state.content_object
        key = (
            type(self),
            task_state.task_id,
            type(record),
            getattr(record, "reporting_org_id", record.pk if record is not None else None),
            getattr(kwargs.get("user"), "pk", None),
        )
        find = super().get_valid_recipients
        return _kept_recipients(key, lambda: find(task_state, **kwargs))

    def get_recipient_users(self, task_state: TaskState, **kwargs):
        recipients = super().get_recipient_users(task_state, **kwargs)
        record = task_state.workflow_state.content_object
        if record is None or not is_record_model(type(record)):
            return recipients
        policy = policy_registry.get_by_type(type(record))
        allowed = policy.users_with_any_permission_for_instance(["publish"], record)
        return recipients.filter(pk__in=allowed.values("pk"))


class WorkflowSubmissionNotifier(WorkflowStateSubmissionEmailNotifier):
    """Wagtail's mail of a submission to the superusers, its recipients found once in bulk."""

    def get_valid_recipients(self, workflow_state: WorkflowState, **kwargs) -> set:
        key = (type(self), getattr(kwargs.get("user"), "pk", None))
        find = super().get_valid_recipients
        return _kept_recipients(key, lambda: find(workflow_state, **kwargs))


review_submission_notifier = ReviewSubmissionNotifier()
workflow_submission_notifier = WorkflowSubmissionNotifier()


def connect() -> None:
    post_save.connect(revision_saved, sender=Revision, dispatch_uid="editorial_revision_saved")
    for model in record_models():
        post_delete.connect(
            record_deleted, sender=model, dispatch_uid=f"editorial_deleted_{model._meta.label}"
        )
    # Same dispatch_uid as Wagtail's own notifier, connected first (this app's ready() runs
    # before wagtail.admin's), so Wagtail's connect() finds the slot taken and ours is used.
    task_submitted.connect(
        review_submission_notifier,
        sender=TaskState,
        dispatch_uid="group_approval_task_submitted_email_notification",
    )
    workflow_submitted.connect(
        workflow_submission_notifier,
        sender=WorkflowState,
        dispatch_uid="workflow_state_submitted_email_notification",
    )
