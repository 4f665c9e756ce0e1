"""sitemap.xml (the pages of each language of the site and the record pages under them) and robots.txt."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from urllib.parse import urlsplit

from django.contrib.sitemaps import Sitemap
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe
from wagtail.contrib.sitemaps import Sitemap as WagtailSitemap
from wagtail.contrib.sitemaps import views as wagtail_sitemap_views
from wagtail.models import Page

from opencoop.access import policy
from opencoop.catalogue.selectors import RecordLinks
from opencoop.core.multilingual import portal_languages
from opencoop.core.sites import EVERY_AUTHORITY, SiteScope, site_languages, site_scope
from opencoop.pages.records import KINDS

from .records import language_locale


class PageSitemap(WagtailSitemap):
    """Wagtail's sitemap, extended to the translations of the site's home page in its languages.

    Addresses take the host the sitemap was asked on, as the records' and the pages' canonical
    links do (Wagtail would write the site's configured host).
    """

    def _urls(self, page, protocol, domain) -> list[dict]:
        urls = super()._urls(page, protocol, domain)
        if self.request is not None:
            for info in urls:
                parts = urlsplit(info["location"])
                path = parts.path + (f"?{parts.query}" if parts.query else "")
                info["location"] = self.request.build_absolute_uri(path)
        return urls

    def items(self) -> QuerySet[Page]:
        homes = (
            self.get_wagtail_site()
            .root_page.get_translations(inclusive=True)
            .filter(locale__language_code__in=site_languages(self.request))
        )
        under_a_home = functools.reduce(
            lambda q, home: q | Q(path__startswith=home.path), homes, Q(pk__in=[])
        )
        return (
            policy.public_pages()
            .filter(under_a_home)
            .order_by("path")
            .defer_streamfields()
            .specific()
        )


class RecordSitemap(Sitemap):
    """The pages of one kind of record in one language (records are not pages of the tree)."""

    limit = 10_000

    def __init__(self, kind: str, lang: str, site: SiteScope = EVERY_AUTHORITY) -> None:
        self.kind = KINDS[kind]
        self.lang = lang
        self.site = site  # the site asked: its authorities' records only

    @functools.cached_property
    def links(self) -> RecordLinks:
        return RecordLinks(language_locale(self.lang))

    def items(self) -> QuerySet:
        # Only authorities with a list page of this kind give their records an address.
        with_pages = [org for org, kind in self.links.index_pages if kind == self.kind.key]
        return (
            self.site.restrict(self.kind.published(None))
            .filter(reporting_org_id__in=with_pages)
            .only("pk", "reporting_org_id", "slug", "last_published_at")
            .order_by("pk")
        )

    def location(self, item) -> str:
        return self.links.url(item, self.kind.key)

    def lastmod(self, item):
        return item.last_published_at


def sitemaps(
    site: SiteScope = EVERY_AUTHORITY, languages: Sequence[str] | None = None
) -> dict[str, Sitemap | type[Sitemap]]:
    """Return the sections of the sitemap: pages, then each kind of record in each language.

    ``languages``: the site's (``site_languages``); None, every portal language.
    """
    sections: dict[str, Sitemap | type[Sitemap]] = {"pages": PageSitemap}
    for kind in KINDS:
        for lang in languages or portal_languages():
            sections[f"{kind}-{lang}"] = RecordSitemap(kind, lang, site)
    return sections


@require_safe
def sitemap_index(request: HttpRequest) -> HttpResponse:
    """List the sections of the sitemap (sitemaps.org index)."""
    return wagtail_sitemap_views.index(
        request,
        sitemaps(site_scope(request), site_languages(request)),
        sitemap_url_name="opendata-sitemap-section",
    )


@require_safe
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    """Serve one section of the sitemap (split into pages of ``limit`` addresses)."""
    sections = sitemaps(site_scope(request), site_languages(request))
    return wagtail_sitemap_views.sitemap(request, sections, section=section)


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Let every crawler in except into the back office; point it to the sitemap."""
    lines = [
        "User-agent: *",
        "Allow: /",
        "Disallow: /admin/",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('opendata-sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
