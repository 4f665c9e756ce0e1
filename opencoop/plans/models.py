"""Annual plans of decentralized cooperation: the approved budget and what it funds."""

from decimal import Decimal

from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel

from opencoop.codelists.fields import CodelistField
from opencoop.core.models import AttachedDocument, PublicRecord
from opencoop.core.multilingual import MultilingualField


class AnnualPlan(PublicRecord):
    """One year's plan, as approved by the council or the executive."""

    year = models.PositiveIntegerField(_("year"))
    approving_act = MultilingualField(
        _("approving act"),
        blank=True,
        help_text=_("For example the number and date of the resolution."),
    )
    planned_total = models.DecimalField(
        _("planned total"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    currency = CodelistField("Currency", verbose_name=_("currency"), default="EUR")
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="annualplan")
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="annualplan",
        for_concrete_model=False,
    )

    panels = [
        FieldPanel("reporting_org"),
        FieldPanel("year"),
        FieldPanel("title"),
        FieldPanel("slug"),
        FieldPanel("approving_act"),
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("planned_total"), FieldPanel("currency")]),
        InlinePanel("documents", label=_("documents")),
        InlinePanel("allocations", label=_("funded activities")),
    ]

    class Meta:
        verbose_name = _("annual plan")
        verbose_name_plural = _("annual plans")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["reporting_org", "year"], name="plan_year_unique"),
            models.UniqueConstraint(fields=["reporting_org", "slug"], name="plan_slug_unique"),
        ]


class PlanDocument(AttachedDocument):
    plan = ParentalKey(AnnualPlan, related_name="documents", on_delete=models.CASCADE)


class PlanAllocation(models.Model):
    """An activity funded by the plan, with the amount the plan assigns to it."""

    plan = ParentalKey(AnnualPlan, related_name="allocations", on_delete=models.CASCADE)
    activity = models.ForeignKey(
        "activities.Activity",
        verbose_name=_("activity"),
        on_delete=models.PROTECT,
        related_name="plan_allocations",
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    sort_order = models.IntegerField(null=True, blank=True, editable=False)
    sort_order_field = "sort_order"
    panels = [FieldRowPanel([FieldPanel("activity"), FieldPanel("amount")])]

    class Meta:
        ordering = ["sort_order", "pk"]  # ties (rows added outside the editor) in a stable order
        # A plan's first allocations in this order (the annual plans overview lists them) are
        # read from the index, not sorted out of all of them.
        indexes = [
            models.Index(fields=["plan", "sort_order", "id"], name="plans_allocation_order_idx")
        ]
