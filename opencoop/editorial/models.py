"""Who works on which authority's records, and what the back office knows about each record."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import AbstractGroupApprovalTask


class EditorialMembership(models.Model):
    """Link a user to an organisation: staff of a reporting authority, or a partner's contact."""

    STAFF = "staff"
    PARTNER = "partner"
    RELATIONS = [
        (STAFF, _("works for this reporting authority")),
        (PARTNER, _("contact person of this partner organisation")),
    ]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="editorial_memberships",
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="editorial_memberships",
    )
    relation = models.CharField(_("relation"), max_length=10, choices=RELATIONS, default=STAFF)

    panels = [FieldPanel("user"), FieldPanel("organisation"), FieldPanel("relation")]

    class Meta:
        verbose_name = _("editorial membership")
        verbose_name_plural = _("editorial memberships")
        ordering = ["organisation", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "relation"], name="editorial_membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation} ({self.get_relation_display()})"


class RecordStateQuerySet(models.QuerySet):
    def for_record(self, record: models.Model) -> RecordStateQuerySet:
        content_type = ContentType.objects.get_for_model(record, for_concrete_model=False)
        return self.filter(content_type=content_type, object_id=str(record.pk))


class TranslationState(models.Model):
    """Whether one record's texts exist and are up to date in one portal language.

    ``source_hashes`` holds, per text, the hash of the source-language text the translation
    was written from; when the source changes and the translation does not, the hashes differ
    and the text is out of date. Texts are keyed as in ``translations.record_texts``: an own
    field by its name (``title``), a part's field as ``results.57.title``.
    """

    COMPLETE = "complete"
    MISSING = "missing"
    OUTDATED = "outdated"
    STATUSES = [
        (COMPLETE, _("complete")),
        (MISSING, _("missing")),
        (OUTDATED, _("out of date")),
    ]

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(_("status"), max_length=10, choices=STATUSES)
    source_hashes = models.JSONField(default=dict, blank=True)
    missing_fields = models.JSONField(default=list, blank=True)
    outdated_fields = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RecordStateQuerySet.as_manager()

    class Meta:
        verbose_name = _("translation state")
        verbose_name_plural = _("translation states")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "language"], name="translation_state_unique"
            )
        ]
        indexes = [models.Index(fields=["language", "status"])]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} {self.language} {self.status}"


class RecordCheck(models.Model):
    """The problems that keep the latest version of a record from being published.

    ``problems`` are ``quality.Problem.as_dict()``: said in the portal's first language, with
    the untranslated message kept so ``quality.stored_problems`` can say it in the reader's.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    publishable = models.BooleanField(default=True)
    problems = models.JSONField(default=list, blank=True)
    checked_at = models.DateTimeField(auto_now=True)

    objects = RecordStateQuerySet.as_manager()

    class Meta:
        verbose_name = _("record check")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="record_check_unique"
            )
        ]
        indexes = [models.Index(fields=["publishable"])]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} {len(self.problems)} problems"


class ReviewTask(AbstractGroupApprovalTask):
    """Approval by the reviewers of the record's own authority, only when it can be published.

    Approving publishes the record, so approval is offered only while the record passes the
    publication checks, and reviewers of one authority do not review another's records.
    """

    class Meta:
        verbose_name = _("review by the authority's reviewers")
        verbose_name_plural = _("reviews by the authority's reviewers")

    def _may_review(self, obj, user) -> bool:
        from opencoop.access.policy import in_scope

        if user.is_superuser:
            return True
        # The access policy's scope, not only the records': the workflow also covers pages.
        return self._user_in_groups(user) and in_scope(user, obj, "publish")

    def user_can_access_editor(self, obj, user) -> bool:
        return self._may_review(obj, user)

    def locked_for_user(self, obj, user) -> bool:
        return not self._may_review(obj, user)

    def user_can_lock(self, obj, user) -> bool:
        return self._may_review(obj, user)

    def get_actions(self, obj, user) -> list[tuple[str, str, bool]]:
        from .quality import publication_problems

        if not self._may_review(obj, user):
            return []
        reject = ("reject", _("Request changes"), True)
        if publication_problems(_latest(obj)):
            return [reject]
        return [
            reject,
            ("approve", _("Approve"), False),
            ("approve", _("Approve with comment"), True),
        ]

    def on_action(self, task_state, user, action_name, **kwargs):
        from .quality import publication_problems

        obj = task_state.workflow_state.content_object
        if not self._may_review(obj, user):
            raise PermissionDenied
        if action_name == "approve":
            problems = publication_problems(_latest(obj))
            if problems:
                raise PermissionDenied("; ".join(str(p) for p in problems))
        return super().on_action(task_state, user, action_name, **kwargs)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        from .scope import reachable_object_ids

        states = super().get_task_states_user_can_moderate(user, **kwargs)
        if user.is_superuser:
            return states
        allowed = models.Q(pk__in=[])
        for content_type_id, ids in reachable_object_ids(user, "publish").items():
            allowed |= models.Q(
                workflow_state__base_content_type_id=content_type_id,
                workflow_state__object_id__in=ids,
            )
        # Pages: those the page policy lets the user publish (their authorities' sections).
        from wagtail.models import Page
        from wagtail.permissions import policy_registry

        pages = policy_registry.get_by_type(Page).instances_user_has_permission_for(user, "publish")
        allowed |= models.Q(
            workflow_state__base_content_type_id=ContentType.objects.get_for_model(Page).pk,
            workflow_state__object_id__in=[str(pk) for pk in pages.values_list("pk", flat=True)],
        )
        return states.filter(allowed)

    @classmethod
    def get_description(cls) -> str:
        return _(
            "Reviewers of the record's reporting authority approve it; approval is offered only "
            "when the record passes the publication checks."
        )


def _latest(obj):
    """Return the latest revision of ``obj`` as an object (what approval would publish)."""
    if getattr(obj, "pk", None) and hasattr(obj, "get_latest_revision_as_object"):
        return obj.get_latest_revision_as_object()
    return obj
