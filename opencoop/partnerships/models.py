"""Partnerships: lasting relations with a partner city or body, and the activities under them."""

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel

from opencoop.codelists.fields import CodelistField
from opencoop.core.models import AttachedDocument, PublicRecord
from opencoop.core.multilingual import MultilingualField


class Partnership(PublicRecord):
    """A twinning, friendship or cooperation agreement with a partner."""

    partner = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="partnerships",
    )
    country = CodelistField("Country", verbose_name=_("country"), blank=True)
    city = MultilingualField(_("city"), blank=True)
    since = models.DateField(_("since"), null=True, blank=True)
    sort_order = models.IntegerField(_("order in lists"), default=0)
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="partnership")
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="partnership",
        for_concrete_model=False,
    )

    panels = [
        FieldPanel("reporting_org"),
        FieldPanel("partner"),
        FieldPanel("title"),
        FieldPanel("slug"),
        FieldPanel("country"),
        FieldPanel("city"),
        FieldPanel("since"),
        FieldPanel("summary"),
        FieldPanel("body"),
        InlinePanel("agreements", label=_("agreements")),
    ]

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporting_org", "slug"], name="partnership_slug_unique"
            )
        ]


class Agreement(AttachedDocument):
    partnership = ParentalKey(Partnership, related_name="agreements", on_delete=models.CASCADE)
