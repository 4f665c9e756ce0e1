"""The Open data page: every file, feed and API address of the portal, with the data dictionary."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.db.models import Prefetch
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page

from opencoop.activities.models import ParticipatingOrg
from opencoop.catalogue.filters import CatalogueFilters
from opencoop.core.multilingual import text
from opencoop.core.sites import EVERY_AUTHORITY, SiteScope, site_scope
from opencoop.iati.export import activities_file_available, reporting_org_activities
from opencoop.iati.rules import missing_mandatory
from opencoop.organisations.models import Organisation
from opencoop.pages.models import PortalPage

from .crs import years_with_rows
from .downloads import COLUMNS, download_urls, licence

# Whether an authority's IATI activity file has any activity takes a pass over all of them:
# the answer is kept a few minutes rather than recomputed on every visit of the page.
FILE_CHECK_SECONDS = 15 * 60


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    format: str = ""


@dataclass
class AuthorityFiles:
    """The IATI and CRS files of one reporting authority."""

    name: str
    identifier: str
    activities: Link | None
    organisation: Link
    crs: list[Link] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)


@dataclass(frozen=True)
class LeftOut:
    """A public activity the IATI activity file leaves out, and what it lacks."""

    identifier: str
    title: str
    reasons: tuple[str, ...]


def _has_activity_file(organisation: Organisation) -> bool:
    key = f"opendata:activities-file:{organisation.pk}"
    available = cache.get(key)
    if available is None:
        available = activities_file_available(organisation)
        cache.set(key, available, FILE_CHECK_SECONDS)
    return available


def left_out_of_activity_file(organisation: Organisation, lang: str) -> list[LeftOut]:
    """Return the public activities of ``organisation`` missing what IATI requires, and why.

    The IATI rules decide (``missing_mandatory``): the file leaves these activities out rather
    than invent the missing facts, and the page says so. Kept as long as the file check.
    """
    key = f"opendata:left-out:{organisation.pk}:{lang}"
    left_out = cache.get(key)
    if left_out is None:
        left_out = []
        selection = reporting_org_activities(organisation).prefetch_related(
            Prefetch(
                "participating_orgs",
                queryset=ParticipatingOrg.objects.select_related("organisation"),
            ),
            "results__indicators",
        )
        with translation.override(lang):
            for activity in selection.order_by("iati_identifier"):
                breaches = missing_mandatory(activity)
                if breaches:
                    reasons = tuple(dict.fromkeys(b.translated() for b in breaches))
                    left_out.append(
                        LeftOut(activity.iati_identifier, text(activity.title, lang), reasons)
                    )
        cache.set(key, left_out, FILE_CHECK_SECONDS)
    return left_out


def crs_years(organisation: Organisation) -> list[int]:
    """Return the years whose CRS file has rows, newest first (no file of headers only).

    Finding them reads each candidate year's rows: kept as long as the IATI file check.
    """
    key = f"opendata:crs-years:{organisation.pk}"
    years = cache.get(key)
    if years is None:
        years = years_with_rows(organisation)
        cache.set(key, years, FILE_CHECK_SECONDS)
    return years


def crs_url(organisation: Organisation, year: int) -> str:
    """Return the address of the CRS file of ``organisation`` for ``year``."""
    try:
        return reverse("opendata:crs", args=[organisation.identifier, year])
    except NoReverseMatch:
        # The CRS export's agreed address, for as long as its URL name is not there.
        return f"/opendata/crs/{organisation.identifier}/{year}.csv"


def authority_files(lang: str, site: SiteScope = EVERY_AUTHORITY) -> list[AuthorityFiles]:
    """Return the IATI and CRS files of each reporting authority of ``site`` with an IATI
    identifier."""
    result = []
    authorities = site.restrict(Organisation.objects.reporting(), "pk")
    for organisation in authorities.exclude(identifier="").order_by("slug"):
        identifier = organisation.identifier
        activities = (
            Link(
                str(_("IATI activity file")),
                reverse("opendata:iati-activities", args=[identifier]),
                "XML",
            )
            if _has_activity_file(organisation)
            else None
        )
        result.append(
            AuthorityFiles(
                name=text(organisation.name, lang),
                identifier=identifier,
                activities=activities,
                organisation=Link(
                    str(_("IATI organisation file")),
                    reverse("opendata:iati-organisation", args=[identifier]),
                    "XML",
                ),
                crs=[
                    Link(str(year), crs_url(organisation, year), "CSV")
                    for year in crs_years(organisation)
                ],
                left_out=left_out_of_activity_file(organisation, lang),
            )
        )
    return result


def open_data_context(request: HttpRequest, lang: str) -> dict:
    """Return every open data address of the portal in ``lang``, with the data dictionary."""
    downloads = download_urls(CatalogueFilters(), lang)
    query = f"?lang={lang}"
    api_root = reverse("api-v1:api-root")
    return {
        "authorities": authority_files(lang, site_scope(request)),
        "downloads": [
            Link(str(_("Activities as CSV")), downloads["csv"], "CSV"),
            Link(str(_("Activities as a spreadsheet")), downloads["xlsx"], "XLSX"),
            Link(str(_("Activities as JSON")), downloads["json"], "JSON"),
            Link(str(_("Description of the downloads")), downloads["metadata"], "JSON"),
        ],
        "columns": COLUMNS,
        "api": {
            "root": api_root,
            "docs": reverse("api-v1:openapi-view"),
            "openapi": reverse("api-v1:openapi-json"),
            "examples": [
                reverse("api-v1:activities") + "?country=BF&page_size=10",
                reverse("api-v1:organisations"),
                reverse("api-v1:initiatives"),
                reverse("api-v1:exchanges"),
                reverse("api-v1:plans"),
            ],
        },
        "feeds": [
            Link(
                str(_("New and updated projects")),
                reverse("opendata:feed-activities-atom") + query,
                "Atom",
            ),
            Link(
                str(_("New and updated projects")),
                reverse("opendata:feed-activities-rss") + query,
                "RSS",
            ),
            Link(str(_("Initiatives")), reverse("opendata:feed-initiatives-atom") + query, "Atom"),
            Link(str(_("Initiatives")), reverse("opendata:feed-initiatives-rss") + query, "RSS"),
        ],
        "sitemap": reverse("opendata-sitemap"),
        "licence": licence(request),
        "languages": settings.LANGUAGES,
    }


class OpenDataPage(PortalPage):
    """The Open data page: IATI and CRS files, catalogue downloads, API, feeds and licence."""

    intro = models.TextField(_("introduction"), blank=True)
    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["pages.SectionPage", "pages.HomePage", "pages.StandardPage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1
    template = "opendata/open_data_page.html"

    class Meta:
        verbose_name = _("open data page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(open_data_context(request, get_language() or self.locale.language_code))
        return context
