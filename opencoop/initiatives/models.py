"""Initiatives at home: events, campaigns, networks, concerts, film programmes."""

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel

from opencoop.codelists.fields import CodelistField
from opencoop.core.models import AttachedDocument, PublicRecord
from opencoop.core.multilingual import MultilingualField

KINDS = [
    ("event", _("event")),
    ("campaign", _("campaign")),
    ("network", _("network")),
    ("concert", _("concert")),
    ("film-programme", _("film programme")),
    ("solidarity", _("solidarity initiative")),
]


class Initiative(PublicRecord):
    """An initiative of the authority at home, often with partners and attached programmes."""

    kind = models.CharField(_("kind"), max_length=20, choices=KINDS, default="event")
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    place = MultilingualField(_("place"), blank=True)
    website = models.URLField(_("website"), blank=True)
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="initiative")
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="initiative",
        for_concrete_model=False,
    )

    panels = [
        FieldPanel("reporting_org"),
        FieldPanel("kind"),
        FieldPanel("title"),
        FieldPanel("slug"),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date")]),
        FieldPanel("place"),
        FieldPanel("website"),
        InlinePanel("countries", label=_("countries")),
        InlinePanel("partners", label=_("partners")),
        InlinePanel("documents", label=_("programmes and documents")),
    ]

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["sort_order", "-start_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["reporting_org", "slug"], name="initiative_slug_unique")
        ]

    sort_order = models.IntegerField(_("order in lists"), default=0)


class InitiativeCountry(models.Model):
    initiative = ParentalKey(Initiative, related_name="countries", on_delete=models.CASCADE)
    code = CodelistField("Country", verbose_name=_("country"))
    sort_order = models.IntegerField(null=True, blank=True, editable=False)
    sort_order_field = "sort_order"

    class Meta:
        ordering = ["sort_order", "pk"]  # ties (rows added outside the editor) in a stable order


class InitiativePartner(models.Model):
    initiative = ParentalKey(Initiative, related_name="partners", on_delete=models.CASCADE)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = MultilingualField(_("role"), blank=True)
    sort_order = models.IntegerField(null=True, blank=True, editable=False)
    sort_order_field = "sort_order"
    panels = [FieldPanel("organisation"), FieldPanel("role")]

    class Meta:
        ordering = ["sort_order", "pk"]  # ties (rows added outside the editor) in a stable order


class InitiativeDocument(AttachedDocument):
    initiative = ParentalKey(Initiative, related_name="documents", on_delete=models.CASCADE)
