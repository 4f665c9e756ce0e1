"""Portal-wide settings and the base of every editorial record."""

from collections.abc import Callable
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    PreviewableMixin,
    RevisionMixin,
    Site,
    WorkflowMixin,
)
from wagtail.search import index

from opencoop.codelists.fields import CodelistField

from .forms import PortalSettingsForm
from .multilingual import MultilingualField, PortalLanguagesField, pick

LICENCES = {
    "cc-by-4.0": (
        _("Creative Commons Attribution 4.0 International (CC BY 4.0)"),
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    "cc-by-sa-4.0": (
        _("Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)"),
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    "cc0-1.0": (
        _("Creative Commons CC0 1.0 Universal"),
        "https://creativecommons.org/publicdomain/zero/1.0/",
    ),
    "iodl-2.0": (
        _("Italian Open Data License 2.0 (IODL 2.0)"),
        "https://www.dati.gov.it/iodl/2.0/",
    ),
}

# The colours a site may wear instead of the theme's: Bootstrap Italia primary colours with
# white text on them at 4.5:1 or more (WCAG AA). The stylesheet holds the same values
# (frontend/scss/_oc-site-colours.scss); a test checks that they agree.
SITE_COLOURS = {
    "blue": (_("Blue (Bootstrap Italia's)"), "#0066cc"),
    "green": (_("Green"), "#00734c"),
    "teal": (_("Teal"), "#006b6b"),
    "purple": (_("Purple"), "#663380"),
    "slate": (_("Slate blue"), "#17324c"),
}

# The conformity statuses of AgID's model of accessibility statement.
CONFORMITY = {
    "compliant": _("compliant"),
    "partially": _("partially compliant"),
    "not": _("not compliant"),
}


class EditorialRecord(
    PreviewableMixin,
    WorkflowMixin,
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    ClusterableModel,
):
    """Give a record drafts, revisions, locking, review workflow and a preview (Wagtail snippets).

    Records are snippets rather than pages so that a catalogue of 100,000 activities is plain rows
    with indexes, not nodes of the page tree.
    """

    # Draws the record's public page for a preview: set by the pages app when it starts
    # (pages/apps.py), since how the site shows a record is the site's, and records never
    # import it. Signature: (record, request, language) -> HttpResponse.
    public_page_preview: ClassVar[Callable | None] = None

    class Meta:
        abstract = True

    @property
    def preview_modes(self) -> list[tuple[str, str]]:
        """Offer one preview of the public page per portal language (none without the site)."""
        return list(settings.LANGUAGES) if self.public_page_preview else []

    @property
    def default_preview_mode(self) -> str:
        return settings.LANGUAGE_CODE

    def serve_preview(self, request, mode_name: str):
        return self.public_page_preview(request, mode_name)


class OfficeContact(models.Model):
    """The office the public may contact about an authority's cooperation (shown on its section)."""

    contact_role = MultilingualField(_("contact: role"), blank=True)
    contact_person = models.CharField(_("contact: person"), max_length=200, blank=True)
    contact_office = MultilingualField(_("contact: office"), blank=True)
    contact_address = MultilingualField(_("contact: address"), blank=True)
    contact_phone = models.CharField(_("contact: telephone"), max_length=100, blank=True)
    contact_fax = models.CharField(_("contact: fax"), max_length=100, blank=True)
    contact_email = models.EmailField(_("contact: e-mail"), blank=True)

    contact_panel = MultiFieldPanel(
        [
            FieldPanel("contact_role"),
            FieldPanel("contact_person"),
            FieldPanel("contact_office"),
            FieldPanel("contact_address"),
            FieldPanel("contact_phone"),
            FieldPanel("contact_fax"),
            FieldPanel("contact_email"),
        ],
        heading=_("Office contact"),
    )

    class Meta:
        abstract = True

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_person or pick(self.contact_role).text)


@register_setting(icon="cog")
class PortalSettings(BaseSiteSetting):
    """Site chrome an editor may change: footer, licence, follow links.

    The office to contact is the reporting authority's (``OfficeContact``): a portal may hold
    several authorities, and each section shows its own.
    """

    # Whose records this site shows: its authorities, or every one when none is named. An
    # atlas compares the authorities it covers; an authority's own site shows only its own.
    authorities = models.ManyToManyField(
        "organisations.Organisation",
        verbose_name=_("reporting authorities of this site"),
        blank=True,
        related_name="+",
        limit_choices_to={"is_reporting": True},
        help_text=_(
            "The site's pages, catalogue, search, map, statistics, feeds and downloads show "
            "only these authorities' records. None: every authority of the portal."
        ),
    )
    atlas = models.BooleanField(
        _("atlas"),
        default=False,
        help_text=_(
            "An atlas gathers and compares several authorities; its header and footer are "
            "its own, not one authority's."
        ),
    )
    # Which of the portal's languages the site offers (``opencoop.core.sites.languages_of_site``
    # reads it; none chosen: every one).
    languages = PortalLanguagesField(
        _("languages of this site"),
        help_text=_(
            "The languages the site's pages, language switcher, sitemap, feeds and API offer; "
            "an address in another language leads to the same page in the first one chosen. "
            "None chosen: every language of the portal."
        ),
    )
    site_title = MultilingualField(_("site title"), blank=True)
    site_tagline = MultilingualField(_("site tagline"), blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Shown beside the site title in the header and the footer."),
    )
    primary_colour = models.CharField(
        _("primary colour"),
        max_length=20,
        blank=True,
        choices=[(key, label) for key, (label, _hex) in SITE_COLOURS.items()],
        help_text=_(
            "The colour of the header, footer, links and buttons; empty: the portal's theme "
            "colour. Each choice keeps white text on it readable (contrast 4.5:1 or more)."
        ),
    )
    footer_text = MultilingualField(_("footer text"), blank=True, multiline=True)
    licence = models.CharField(
        _("licence of the content"),
        max_length=20,
        choices=[(k, v[0]) for k, v in LICENCES.items()],
        default="cc-by-4.0",
    )
    suggestions_email = models.EmailField(_("e-mail for suggestions"), blank=True)
    authority_url = models.URLField(
        _("authority's website"),
        blank=True,
        help_text=_("The header's authority name links here."),
    )
    twitter_url = models.URLField(_("X / Twitter address"), blank=True)
    facebook_url = models.URLField(_("Facebook address"), blank=True)
    youtube_url = models.URLField(_("YouTube address"), blank=True)
    mastodon_url = models.URLField(_("Mastodon address"), blank=True)

    # The privacy notice (GDPR arts. 13–14): what the authority states; blank parts are shown as
    # still to be completed, never filled with a guess.
    privacy_controller = MultilingualField(_("data controller"), blank=True, multiline=True)
    privacy_dpo = MultilingualField(_("data protection officer"), blank=True, multiline=True)
    privacy_purposes = MultilingualField(_("purposes of processing"), blank=True, multiline=True)
    privacy_legal_basis = MultilingualField(_("legal basis"), blank=True, multiline=True)
    privacy_retention = MultilingualField(_("retention"), blank=True, multiline=True)
    privacy_rights = MultilingualField(
        _("rights and how to exercise them"), blank=True, multiline=True
    )

    # The accessibility statement, in the structure of AgID's model.
    accessibility_conformity = models.CharField(
        _("conformity status"),
        max_length=20,
        blank=True,
        choices=[(k, v) for k, v in CONFORMITY.items()],
    )
    accessibility_not_accessible = MultilingualField(
        _("content that is not accessible"), blank=True, multiline=True
    )
    accessibility_statement_date = models.DateField(
        _("date of the statement"), null=True, blank=True
    )
    accessibility_checked_on = models.DateField(_("date of the last check"), null=True, blank=True)

    legal_notes = MultilingualField(_("legal notes"), blank=True, multiline=True)

    base_form_class = PortalSettingsForm
    panels = [
        MultiFieldPanel(
            [FieldPanel("authorities"), FieldPanel("atlas")],
            heading=_("Whose records this site shows"),
        ),
        FieldPanel("languages"),
        FieldPanel("site_title"),
        FieldPanel("site_tagline"),
        FieldRowPanel([FieldPanel("logo"), FieldPanel("primary_colour")]),
        FieldPanel("footer_text"),
        FieldPanel("licence"),
        FieldPanel("suggestions_email"),
        MultiFieldPanel(
            [
                FieldPanel("twitter_url"),
                FieldPanel("facebook_url"),
                FieldPanel("youtube_url"),
                FieldPanel("mastodon_url"),
            ],
            heading=_("Follow us"),
        ),
        FieldPanel("authority_url"),
        MultiFieldPanel(
            [
                FieldPanel("privacy_controller"),
                FieldPanel("privacy_dpo"),
                FieldPanel("privacy_purposes"),
                FieldPanel("privacy_legal_basis"),
                FieldPanel("privacy_retention"),
                FieldPanel("privacy_rights"),
            ],
            heading=_("Privacy notice"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("accessibility_conformity"),
                FieldPanel("accessibility_not_accessible"),
                FieldRowPanel(
                    [
                        FieldPanel("accessibility_statement_date"),
                        FieldPanel("accessibility_checked_on"),
                    ]
                ),
            ],
            heading=_("Accessibility statement"),
        ),
        FieldPanel("legal_notes"),
    ]

    class Meta:
        verbose_name = _("portal settings")

    @property
    def licence_name(self) -> str:
        return LICENCES[self.licence][0]

    @property
    def licence_url(self) -> str:
        return LICENCES[self.licence][1]

    def privacy_parts(self) -> list[dict]:
        """Return the parts of the privacy notice in order, each with its heading and value."""
        return [
            {"key": key, "heading": heading, "value": getattr(self, f"privacy_{key}")}
            for key, heading in (
                ("controller", _("Data controller")),
                ("dpo", _("Data protection officer")),
                ("purposes", _("Purposes of processing")),
                ("legal_basis", _("Legal basis")),
                ("retention", _("How long data are kept")),
                ("rights", _("Your rights")),
            )
        ]

    def follow_links(self) -> list[dict[str, str]]:
        """Return the configured follow links (label, url, icon name)."""
        links = [
            ("X / Twitter", self.twitter_url, "it-twitter"),
            ("Facebook", self.facebook_url, "it-facebook"),
            ("YouTube", self.youtube_url, "it-youtube"),
            ("Mastodon", self.mastodon_url, "it-mastodon"),
        ]
        return [{"label": label, "url": url, "icon": icon} for label, url, icon in links if url]

    @classmethod
    def for_site(cls, site: Site | None) -> "PortalSettings":
        """Return the site's settings, created only when missing.

        A plain read first: Wagtail's get_or_create() counts as a write for Django's router,
        which would read the settings of every public page from the primary, not a replica.
        """
        if site is not None:
            found = cls.base_queryset().filter(site=site).first()
            if found is not None:
                return found
        return super().for_site(site)


class AttachedDocument(models.Model):
    """A document attached to a record: a file in the library, an address, or only its title."""

    title = MultilingualField(_("title"), max_length=500)
    document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("file"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    url = models.URLField(_("address"), blank=True)
    category = CodelistField("DocumentCategory", verbose_name=_("document category"), default="A01")
    language = CodelistField("Language", verbose_name=_("language"), blank=True)
    date = models.DateField(_("document date"), null=True, blank=True)
    sort_order = models.IntegerField(null=True, blank=True, editable=False)
    sort_order_field = "sort_order"

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("document"), FieldPanel("url")]),
        FieldRowPanel([FieldPanel("category"), FieldPanel("language"), FieldPanel("date")]),
    ]

    class Meta:
        abstract = True
        ordering = ["sort_order", "pk"]  # ties (rows added outside the editor) in a stable order

    @property
    def href(self) -> str:
        """Return where the document can be read, or "" when only its title is known."""
        if self.document_id:
            return self.document.url
        return self.url


class PublicRecordQuerySet(models.QuerySet):
    def published(self, today=None):
        """Return the records the public may see (a name for ``opencoop.access.policy.public``)."""
        from opencoop.access import policy

        return policy.public(self, today)


class PublicRecord(index.Indexed, EditorialRecord):
    """Fields shared by initiatives, exchanges, partnerships and plans of one authority."""

    reporting_org = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("reporting organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    slug = models.SlugField(_("slug"), max_length=120)
    title = MultilingualField(_("title"), max_length=500)
    summary = MultilingualField(_("summary"), blank=True, multiline=True)
    body = MultilingualField(_("text"), blank=True, multiline=True)

    objects = PublicRecordQuerySet.as_manager()

    search_fields = [
        index.SearchField("title"),
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("live"),
    ]

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return pick(self.title).text or self.slug

    @property
    def revisions(self):
        return self._revisions

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(pick(self.title, "en").text)[:120] or "record"
        super().save(*args, **kwargs)
