"""The catalogue page (activities with search and facets) and the site-wide search page."""

from __future__ import annotations

from dataclasses import replace

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page

from opencoop.core.sites import site_scope
from opencoop.operations.pagecache import reads_query
from opencoop.pages.models import PortalPage

from .filters import PAGE_PARAMETERS, CatalogueFilters, listed_in_full
from .indexing import did_you_mean
from .presentation import (
    catalogue_context,
    keep_state_in_alternates,
    search_context,
    search_querystring,
)
from .row_models import CatalogueCount, CataloguePairCount, CatalogueRow, CatalogueWord
from .selectors import catalogue, record_links
from .site_search import site_search

__all__ = [
    "CatalogueCount",
    "CataloguePage",
    "CataloguePairCount",
    "CatalogueRow",
    "CatalogueWord",
    "SearchPage",
    "SearchTerm",
]


class CataloguePage(PortalPage):
    """All published activities, with full-text search, facets, sorting and pages."""

    intro = models.TextField(_("introduction"), blank=True)
    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types: list[str] = []
    page_size = 20

    class Meta:
        verbose_name = _("catalogue of activities")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        lang = get_language() or self.locale.language_code
        reads_query(request, PAGE_PARAMETERS)
        filters = replace(
            CatalogueFilters.from_querydict(request.GET), within=site_scope(request).authorities
        )
        result = catalogue(filters, lang=lang, page_size=self.page_size)
        context.update(
            catalogue_context(
                result,
                record_links(self.locale),
                base_url=self.url,
                lang=lang,
                listed_in_full=listed_in_full(request.GET),
            )
        )
        keep_state_in_alternates(context, result.filters.querystring())
        if result.filters.q and result.total:
            context["suggestion"] = suggestion = did_you_mean(result.filters.q)
            context["suggestion_url"] = (
                self.url + replace(result.filters, q=suggestion, page=1).querystring()
            )
        return context


class SearchPage(PortalPage):
    """Search the whole site: pages, activities, initiatives, exchanges, plans and documents."""

    intro = models.TextField(_("introduction"), blank=True)
    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types: list[str] = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("site search")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        lang = get_language() or self.locale.language_code
        reads_query(request, ["q"])
        q = " ".join(request.GET.get("q", "").split())[:200]
        # This site's pages only: those under its home (each site's home sits under the root).
        home = Page.objects.ancestor_of(self, inclusive=True).filter(depth=2).first()
        results = (
            site_search(q, locale=self.locale, lang=lang, site=site_scope(request), home=home)
            if q
            else None
        )
        # Offered only beside results, which the policy has filtered: never a word of its own.
        suggestion = did_you_mean(q) if results else ""
        context.update(search_context(q, results, suggestion, lang))
        keep_state_in_alternates(context, search_querystring(q))
        return context


class SearchTerm(models.Model):
    """A word of what the public may read (or its stem), for correcting a misspelt query.

    Filled by ``spelling.learn`` as records and pages are indexed, and rebuilt from scratch by
    ``manage.py update_search_terms``. On PostgreSQL a trigram index (pg_trgm) finds the words
    nearest to a misspelt one; elsewhere the same similarity is computed in Python.
    """

    term = models.CharField(_("term"), max_length=60)
    is_stem = models.BooleanField(_("is a stem"), default=False)

    class Meta:
        verbose_name = _("search term")
        constraints = [
            models.UniqueConstraint(fields=["term", "is_stem"], name="catalogue_searchterm_unique")
        ]

    def __str__(self) -> str:
        return self.term
