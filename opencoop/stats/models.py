"""The statistics page and the annual plans overview of one reporting authority (or of all)."""

from __future__ import annotations

import copy

from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.models import Page

from opencoop.access import policy
from opencoop.core.pagination import page_links
from opencoop.core.sites import site_scope
from opencoop.operations.pagecache import reads_query
from opencoop.organisations.models import Organisation
from opencoop.pages.models import PortalPage
from opencoop.pages.published import remember, request_generation

from .figure_models import FigureState, KeptFigure
from .links import CatalogueLinks
from .presentation import csv_response, present
from .selectors import (
    TABLES,
    Scope,
    figures_as_of,
    plans_in_order,
    plans_overview,
    plans_table,
    uncounted_in_plans,
)

__all__ = ["FigureState", "KeptFigure", "PlansOverviewPage", "ScopedFiguresPage", "StatisticsPage"]


class ScopedFiguresPage(RoutablePageMixin, PortalPage):
    """A page of figures about one reporting authority's activities, or about all of them."""

    intro = models.TextField(_("introduction"), blank=True)
    reporting_org = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("reporting organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"is_reporting": True},
        help_text=_("Whose activities the figures are about; empty for every authority."),
    )
    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("reporting_org")]
    subpage_types: list[str] = []

    class Meta:
        abstract = True

    def scope(self, request: HttpRequest | None = None) -> Scope:
        """Return whose figures: the page's authority, else the site's (``site_scope``)."""
        if self.reporting_org_id is not None:
            return Scope(self.reporting_org)
        site = site_scope(request)
        if site.authority_id is not None:  # an authority's own site: its figures, its name
            return Scope(Organisation.objects.get(pk=site.authority_id))
        if site.atlas:  # an activity two authorities report counts once
            return copy.copy(_atlas_scope(site.authorities, request))
        return Scope(authorities=site.authorities)

    def csv_url(self, request, slug: str) -> str:
        return (self.get_url(request) or "") + self.reverse_subpage("csv", args=[slug])

    def csv_filename(self, slug: str, request: HttpRequest | None = None) -> str:
        return f"{self.scope(request).slug}-{slug}-{self.locale.language_code}.csv"

    def related_pages(self, request=None) -> list[Page]:
        """Return the other live figure pages beside this one (map, statistics, plans).

        Remembered until the next publication: the siblings are read once, not on each request.
        """

        def find() -> list[Page]:
            siblings = policy.public_pages(self.get_siblings(inclusive=False))
            # Every figure page (statistics, plans, the map) is a ScopedFiguresPage: the map's
            # app builds on this one, so this one does not name it.
            return [page for page in siblings.specific() if isinstance(page, ScopedFiguresPage)]

        number = request_generation(request) if request is not None else None
        return remember(("figure pages beside", self.pk), find, number=number)


def _atlas_scope(authorities: frozenset[int] | None, request: HttpRequest | None) -> Scope:
    """Return the atlas's scope over ``authorities``, remembered until a publication.

    Which records count once changes only when published records do (two queries over every
    authority's partners otherwise, on each request); the day is in the key, as an embargo that
    ends makes a record public. Callers take a copy: ``kept.coverage`` notes its findings on it.
    """
    from opencoop.atlas.duplicates import atlas_scope

    number = request_generation(request) if request is not None else None
    key = ("atlas scope", authorities, timezone.localdate())
    return remember(key, lambda: atlas_scope(authorities)[0], number=number)


class StatisticsPage(ScopedFiguresPage):
    """Planned, committed and disbursed amounts by year, and breakdowns, each with its CSV."""

    class Meta:
        verbose_name = _("statistics page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        scope = self.scope(request)
        links = CatalogueLinks(request, self.locale, scope.organisation)
        context["figures"] = [
            present(build(scope), csv_url=self.csv_url(request, slug), links=links)
            for slug, build in TABLES.items()
        ]
        context["related_pages"] = self.related_pages(request)
        context["figures_as_of"] = figures_as_of(scope)
        return context

    @path("")
    def index(self, request):
        return self.render(request)

    @path("csv/<slug:slug>/", name="csv")
    def csv(self, request, slug: str):
        build = TABLES.get(slug)
        if build is None:
            raise Http404
        return csv_response(build(self.scope(request)), self.csv_filename(slug, request))


class PlansOverviewPage(ScopedFiguresPage):
    """Each year's plan: its document, total, the activities it funded and what they received.

    The plans come a page at a time, newest year first: over every authority they are hundreds.
    The CSV download holds them all.
    """

    # Activities listed under each plan: a plan of a large authority funds thousands, which
    # the plan's own page lists; this page shows the first ones and says how many more. Five,
    # not 25: a page of 20 plans listed 500 rows, whose rendering was most of its time.
    funded_shown = 5
    page_size = 20

    class Meta:
        verbose_name = _("annual plans overview")

    def plans_page(self, request, scope: Scope | None = None) -> PaginatorPage:
        """Return the page of plans the request asks for (``?page=``), or raise Http404."""
        scope = self.scope(request) if scope is None else scope
        paginator = Paginator(plans_in_order(scope), self.page_size)
        reads_query(request, ["page"])
        try:
            number = int(request.GET.get("page", "1"))
        except ValueError:
            raise Http404 from None
        if number < 1 or number > paginator.num_pages:
            raise Http404
        return paginator.page(number)

    def get_context(self, request, *args, **kwargs):
        from opencoop.catalogue.selectors import record_links

        context = super().get_context(request, *args, **kwargs)
        # Built once: an atlas's scope reads which records another one already counts.
        scope = self.scope(request)
        plans_page = self.plans_page(request, scope)
        overview = plans_overview(scope, shown=self.funded_shown, plans=plans_page.object_list)
        # Looked up once per publication, not on each request (20-60 ms at 10,000 activities).
        links = record_links(self.locale)
        context["plans"] = [
            {
                "overview": item,
                "funded": [(funded, links.url(funded.activity)) for funded in item.funded],
                "more": item.funded_count - len(item.funded),
                "plan_url": links.url(item.plan, "plans"),
            }
            for item in overview
        ]
        context["plans_page"] = plans_page
        context.update(page_links(plans_page, self.get_url(request) or ""))
        context["summary"] = present(
            plans_table(scope, overview),
            csv_url=self.csv_url(request, "plans"),
            links=None,
            chart=False,
        )
        context["related_pages"] = self.related_pages(request)
        context["figures_as_of"] = figures_as_of(scope)
        context["counted_once"] = uncounted_in_plans(scope)
        return context

    @path("")
    def index(self, request):
        return self.render(request)

    @path("csv/<slug:slug>/", name="csv")
    def csv(self, request, slug: str):
        if slug != "plans":
            raise Http404
        return csv_response(plans_table(self.scope(request)), self.csv_filename(slug, request))
