"""The Open data page: every file, feed and API address of the portal, with the data dictionary."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page

from opencoop.catalogue.filters import CatalogueFilters
from opencoop.core.multilingual import text
from opencoop.core.sites import EVERY_AUTHORITY, SiteScope, site_scope
from opencoop.organisations.models import Organisation
from opencoop.pages.models import PortalPage

from .downloads import COLUMNS, download_urls, licence
from .files import kept_check


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
    # When the files were last checked (``files``); None: not yet, the check is under way.
    checked_at: datetime.datetime | None = None


@dataclass(frozen=True)
class LeftOut:
    """A public activity the IATI activity file leaves out, and what it lacks."""

    identifier: str
    title: str
    reasons: tuple[str, ...]


def crs_url(organisation: Organisation, year: int) -> str:
    """Return the address of the CRS file of ``organisation`` for ``year``."""
    try:
        return reverse("opendata:crs", args=[organisation.identifier, year])
    except NoReverseMatch:
        # The CRS export's agreed address, for as long as its URL name is not there.
        return f"/opendata/crs/{organisation.identifier}/{year}.csv"


def authority_files(lang: str, site: SiteScope = EVERY_AUTHORITY) -> list[AuthorityFiles]:
    """Return the IATI and CRS files of each reporting authority of ``site`` with an IATI
    identifier, as last checked by the jobs worker (``files.kept_check``)."""
    result = []
    authorities = site.restrict(Organisation.objects.reporting(), "pk")
    for organisation in authorities.exclude(identifier="").order_by("slug"):
        identifier = organisation.identifier
        check = kept_check(organisation)
        activities = (
            Link(
                str(_("IATI activity file")),
                reverse("opendata:iati-activities", args=[identifier]),
                "XML",
            )
            if check is not None and check.activity_file
            else None
        )
        with translation.override(lang):
            left_out = [
                LeftOut(
                    item.identifier,
                    text(item.title, lang),
                    tuple(dict.fromkeys(breach.translated() for breach in item.reasons)),
                )
                for item in (check.left_out if check is not None else ())
            ]
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
                    for year in (check.crs_years if check is not None else ())
                ],
                left_out=left_out,
                checked_at=check.checked_at if check is not None else None,
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

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        authorities = (getattr(response, "context_data", None) or {}).get("authorities", ())
        if any(files.checked_at is None for files in authorities):
            # "Being checked" is true for a minute or two: not kept by the page cache.
            add_never_cache_headers(response)
        return response
