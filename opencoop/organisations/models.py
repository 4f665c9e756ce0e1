"""Organisations: reporting authorities and their partners, identified as IATI does."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, PublishingPanel
from wagtail.models import DraftStateMixin, RevisionMixin
from wagtail.search import index

from opencoop.codelists.fields import CodelistField
from opencoop.core.models import OfficeContact
from opencoop.core.multilingual import MultilingualField, text

from .identifiers import validate_identifier


class OrganisationQuerySet(models.QuerySet):
    def reporting(self) -> OrganisationQuerySet:
        """Return the authorities that publish activities on this portal."""
        return self.filter(is_reporting=True)


class Organisation(DraftStateMixin, RevisionMixin, index.Indexed, OfficeContact):
    """An organisation named in IATI data: a reporting authority, a partner city, an NGO.

    Drafts and revisions let a change wait for review: an editor of one authority who edits a
    partner shared with other authorities saves a draft, and a reviewer or administrator
    publishes it (``opencoop.access.policy`` says who may publish which organisation).
    """

    name = MultilingualField(_("name"), max_length=500)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    identifier = models.CharField(
        _("IATI organisation identifier"),
        max_length=150,
        blank=True,
        help_text=_("For example IT-CF-01307110484: registration agency prefix and number."),
        validators=[validate_identifier],
    )
    type = CodelistField("OrganisationType", verbose_name=_("organisation type"), blank=True)
    country = CodelistField("Country", verbose_name=_("country"), blank=True)
    website = models.URLField(_("website"), blank=True)
    default_language = CodelistField(
        "Language",
        verbose_name=_("default language of its IATI files"),
        blank=True,
        help_text=_(
            "The language of texts in its imported IATI files that neither the text, the "
            "activity nor the file states. Empty: the portal's default language."
        ),
    )
    is_reporting = models.BooleanField(
        _("reporting authority"),
        default=False,
        help_text=_("Publishes its own activities on this portal."),
    )
    collection = models.OneToOneField(
        "wagtailcore.Collection",
        verbose_name=_("collection of documents and images"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="authority",
        help_text=_("Where the authority's documents and images are kept (created with it)."),
    )
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="organisation")

    objects = OrganisationQuerySet.as_manager()

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("identifier"),
        FieldPanel("type"),
        FieldPanel("country"),
        FieldPanel("website"),
        FieldPanel("default_language"),
        FieldPanel("is_reporting"),
        OfficeContact.contact_panel,
        PublishingPanel(),
    ]
    search_fields = [index.SearchField("name"), index.SearchField("identifier")]

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["identifier"],
                condition=~models.Q(identifier=""),
                name="organisation_identifier_unique",
            )
        ]

    def __str__(self) -> str:
        return text(self.name) or self.identifier or self.slug

    @property
    def revisions(self):
        return self._revisions

    def save(self, *args, **kwargs):
        from .services import ensure_collection, unique_slug

        if not self.slug:
            self.slug = unique_slug(self)
        super().save(*args, **kwargs)

        ensure_collection(self)
