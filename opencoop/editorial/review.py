"""The conversation of a review, in the admin: the editor's note and the reviewers' comments.

Wagtail mails a reviewer's "request changes" comment and keeps it in the workflow's log; the
editor's note rides on the log entry of the submission. Both are read back from that one log,
never copied elsewhere, for the edit page and the history.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import ModelLogEntry, WorkflowState

# The form's text box for the editor's note; it is not a field of the record.
NOTE_FIELD = "review_note"
NOTE_LENGTH = 2000

SUBMITTED = ("wagtail.workflow.start", "wagtail.workflow.resume")
ACTIONS = {
    "wagtail.workflow.start": _("Sent for review"),
    "wagtail.workflow.resume": _("Sent for review again"),
    "wagtail.workflow.approve": _("Approved"),
    "wagtail.workflow.reject": _("Changes requested"),
}


@dataclass(frozen=True)
class ReviewComment:
    author: str
    when: datetime.datetime
    action: str
    code: str
    comment: str


def _author(entry: ModelLogEntry) -> str:
    user = entry.user
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def review_comments(record: models.Model) -> list[ReviewComment]:
    """Return what the editor and the reviewers wrote in ``record``'s reviews, oldest first."""
    if record.pk is None:
        return []
    entries = (
        ModelLogEntry.objects.for_instance(record)
        .filter(action__in=ACTIONS)
        .select_related("user")
        .order_by("timestamp", "pk")
    )
    return [
        ReviewComment(_author(e), e.timestamp, str(ACTIONS[e.action]), e.action, comment)
        for e in entries
        if (comment := str((e.data or {}).get("comment") or "").strip())
    ]


def changes_requested(record: models.Model) -> ReviewComment | None:
    """Return the comment that sent ``record`` back, while its review waits for the changes."""
    state = getattr(record, "current_workflow_state", None) if record.pk else None
    if state is None or state.status != WorkflowState.STATUS_NEEDS_CHANGES:
        return None
    rejections = [c for c in review_comments(record) if c.code == "wagtail.workflow.reject"]
    return rejections[-1] if rejections else None


@dataclass(frozen=True)
class PreviewLink:
    language: str
    label: str
    url: str


def review_previews(record: models.Model) -> list[PreviewLink]:
    """Return a preview of the version in review for each portal language (none if none is)."""
    from django.contrib.admin.utils import quote
    from django.urls import reverse

    task_state = getattr(record, "current_workflow_task_state", None) if record.pk else None
    viewset = getattr(type(record), "snippet_viewset", None)
    if task_state is None or viewset is None or not record.is_previewable():
        return []
    address = reverse(
        viewset.get_url_name("workflow_preview"), args=[quote(record.pk), task_state.task_id]
    )
    return [
        PreviewLink(code, name, f"{address}?mode={code}") for code, name in record.preview_modes
    ]


def attach_note(*, record: models.Model, user, note: str) -> bool:
    """Keep ``note`` with ``user``'s latest submission of ``record``; say whether one was found."""
    note = note.strip()[:NOTE_LENGTH]
    if not note:
        return False
    entry = (
        ModelLogEntry.objects.for_instance(record)
        .filter(action__in=SUBMITTED, user=user)
        .order_by("-timestamp", "-pk")
        .first()
    )
    if entry is None:
        return False
    entry.data = {**(entry.data or {}), "comment": note}
    entry.save(update_fields=["data"])
    return True
