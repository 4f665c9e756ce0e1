"""The atlas's comparison page: the authorities a site gathers, side by side, and each one's profile.

An atlas (a site whose settings gather several authorities, ``opencoop.core.sites``) compares
them: by authority, by partner country, by sector and by year, each table with its chart and its
CSV, from the same selectors as every statistics page (``opencoop.stats.selectors``), so that the
figures cannot disagree with an authority's own pages. An activity two authorities report is
counted once (``opencoop.atlas.duplicates``); the page says how many and why. Each authority
has a profile below the page: its activities, partners, countries and money by year.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.routable_page.models import path

from opencoop.core.sites import site_scope
from opencoop.stats.links import CatalogueLinks
from opencoop.stats.models import ScopedFiguresPage
from opencoop.stats.presentation import csv_response
from opencoop.stats.selectors import COUNTED_ONCE, Scope, figures_as_of

from .comparison import (
    COMPARISON,
    PROFILE,
    ProfileLinks,
    authority_profile,
    compared_authority,
    counted_once_note,
    present_table,
)
from .duplicates import atlas_scope


class AuthorityComparisonPage(ScopedFiguresPage):
    """The authorities of the site compared, and a profile of each."""

    template = "atlas/authority_comparison_page.html"

    class Meta:
        verbose_name = _("comparison by authority")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        scope, once = atlas_scope(site_scope(request).authorities)
        base = self.get_url(request) or ""
        catalogue = CatalogueLinks(request, self.locale, None)
        figures = []
        for slug, build in COMPARISON.items():
            table = build(scope)
            links = catalogue
            if slug == "by-authority":
                links = ProfileLinks(base, {row.code for row in table.rows} - {COUNTED_ONCE})
            figures.append(present_table(table, csv_url=self.csv_url(request, slug), links=links))
        context["figures"] = figures
        context["counted_once"] = counted_once_note(once)
        context["related_pages"] = self.related_pages(request)
        context["figures_as_of"] = figures_as_of(scope)
        return context

    @path("")
    def index(self, request):
        return self.render(request)

    @path("csv/<slug:slug>/", name="csv")
    def csv(self, request, slug: str):
        build = COMPARISON.get(slug)
        if build is None:
            raise Http404
        scope, _once = atlas_scope(site_scope(request).authorities)
        return csv_response(build(scope), self.csv_filename(slug, request))

    def _authority(self, request, slug: str):
        authority = compared_authority(site_scope(request), slug)
        if authority is None:
            raise Http404
        return authority

    @path("<slug:authority>/", name="authority")
    def authority(self, request, authority: str):
        found = self._authority(request, authority)
        scope = Scope(found)
        base = (self.get_url(request) or "") + self.reverse_subpage("authority", args=[found.slug])
        links = CatalogueLinks(request, self.locale, found)
        figures = [
            present_table(build(scope), csv_url=f"{base}csv/{slug}/", links=links)
            for slug, build in PROFILE.items()
        ]
        return self.render(
            request,
            template="atlas/authority_profile.html",
            context_overrides={
                "profile": authority_profile(found),
                "figures": figures,
                "figures_as_of": figures_as_of(scope),
                "comparison_url": self.get_url(request),
            },
        )

    @path("<slug:authority>/csv/<slug:slug>/", name="authority_csv")
    def authority_csv(self, request, authority: str, slug: str):
        found = self._authority(request, authority)
        build = PROFILE.get(slug)
        if build is None:
            raise Http404
        filename = f"{found.slug}-{slug}-{self.locale.language_code}.csv"
        return csv_response(build(Scope(found)), filename)
