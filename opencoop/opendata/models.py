"""The Open data page: every file, feed and API address of the portal, with the data dictionary."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page

from opencoop.access import policy
from opencoop.activities.models import Budget, Transaction
from opencoop.catalogue.filters import CatalogueFilters
from opencoop.core.multilingual import text
from opencoop.iati.export import activities_file_available, reporting_org_activities
from opencoop.organisations.models import Organisation
from opencoop.pages.models import PortalPage
from opencoop.plans.models import AnnualPlan

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


def _has_activity_file(organisation: Organisation) -> bool:
    key = f"opendata:activities-file:{organisation.pk}"
    available = cache.get(key)
    if available is None:
        available = activities_file_available(organisation)
        cache.set(key, available, FILE_CHECK_SECONDS)
    return available


def crs_years(organisation: Organisation) -> list[int]:
    """Return the years with commitments, payments, budgets or a plan, newest first."""
    activities = reporting_org_activities(organisation).values("pk")
    years = {
        d.year for d in Transaction.objects.filter(activity__in=activities).dates("date", "year")
    }
    years |= {
        d.year for d in Budget.objects.filter(activity__in=activities).dates("period_start", "year")
    }
    years |= set(
        policy.public(AnnualPlan).filter(reporting_org=organisation).values_list("year", flat=True)
    )
    return sorted(years, reverse=True)


def crs_url(organisation: Organisation, year: int) -> str:
    """Return the address of the CRS file of ``organisation`` for ``year``."""
    try:
        return reverse("opendata:crs", args=[organisation.identifier, year])
    except NoReverseMatch:
        # The CRS export's agreed address, for as long as its URL name is not there.
        return f"/opendata/crs/{organisation.identifier}/{year}.csv"


def authority_files(lang: str) -> list[AuthorityFiles]:
    """Return the IATI and CRS files of every reporting authority with an IATI identifier."""
    result = []
    for organisation in Organisation.objects.reporting().exclude(identifier="").order_by("slug"):
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
            )
        )
    return result


def open_data_context(request: HttpRequest, lang: str) -> dict:
    """Return every open data address of the portal in ``lang``, with the data dictionary."""
    downloads = download_urls(CatalogueFilters(), lang)
    query = f"?lang={lang}"
    api_root = reverse("api-v1:api-root")
    return {
        "authorities": authority_files(lang),
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
