"""The atlas's comparison pages: the authorities a site gathers, side by side.

An atlas (a site whose settings gather several authorities, ``opencoop.core.sites``) compares
them: this first page puts their activities and amounts in one table with its totals, from the
same selectors as every statistics page (``opencoop.stats.selectors``), so that the figures
cannot disagree with an authority's own pages.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.routable_page.models import path

from opencoop.stats.links import CatalogueLinks
from opencoop.stats.models import ScopedFiguresPage
from opencoop.stats.presentation import csv_response, present
from opencoop.stats.selectors import by_authority


class AuthorityComparisonPage(ScopedFiguresPage):
    """Activities, commitments and payments of each authority of the site, with the totals."""

    template = "atlas/authority_comparison_page.html"

    class Meta:
        verbose_name = _("comparison by authority")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        scope = self.scope(request)
        context["figure"] = present(
            by_authority(scope),
            csv_url=self.csv_url(request, "by-authority"),
            links=CatalogueLinks(request, self.locale, scope.organisation),
        )
        context["related_pages"] = self.related_pages(request)
        return context

    @path("")
    def index(self, request):
        return self.render(request)

    @path("csv/<slug:slug>/", name="csv")
    def csv(self, request, slug: str):
        if slug != "by-authority":
            raise Http404
        return csv_response(by_authority(self.scope(request)), self.csv_filename(slug, request))
