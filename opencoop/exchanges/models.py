"""Seminars, workshops and exchanges of good practice with foreign delegations."""

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel

from opencoop.codelists.fields import CodelistField
from opencoop.core.models import PublicRecord
from opencoop.core.multilingual import MultilingualField

KINDS = [
    ("seminar", _("seminar")),
    ("workshop", _("workshop")),
    ("training", _("training")),
    ("exchange-of-good-practice", _("exchange of good practice")),
    ("technical-table", _("technical table")),
]


class Exchange(PublicRecord):
    """An exchange with a foreign delegation on a theme of local administration."""

    kind = models.CharField(_("kind"), max_length=30, choices=KINDS, default="seminar")
    country = CodelistField("Country", verbose_name=_("country of the delegation"), blank=True)
    theme = MultilingualField(_("theme"), blank=True)
    place = MultilingualField(_("place"), blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    participants = models.PositiveIntegerField(_("number of participants"), null=True, blank=True)
    sort_order = models.IntegerField(_("order in lists"), default=0)
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="exchange")
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="exchange",
        for_concrete_model=False,
    )

    panels = [
        FieldPanel("reporting_org"),
        FieldPanel("kind"),
        FieldPanel("title"),
        FieldPanel("slug"),
        FieldPanel("country"),
        FieldPanel("theme"),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("place"),
        FieldRowPanel(
            [FieldPanel("start_date"), FieldPanel("end_date"), FieldPanel("participants")]
        ),
    ]

    class Meta:
        verbose_name = _("seminar or exchange")
        verbose_name_plural = _("seminars and exchanges")
        ordering = ["sort_order", "-start_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["reporting_org", "slug"], name="exchange_slug_unique")
        ]
