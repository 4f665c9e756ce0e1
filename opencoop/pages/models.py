"""The page tree: home, plain pages, the cooperation section and its lists of records."""

from __future__ import annotations

import copy

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db import models
from django.db.models import F
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.fields import RichTextField
from wagtail.models import Page

from opencoop.access import policy
from opencoop.core.pagination import page_links
from opencoop.core.queries import first_of_each
from opencoop.operations.pagecache import reads_query
from opencoop.organisations.models import Organisation
from opencoop.suggestions.forms import SuggestionForm
from opencoop.suggestions.services import submit_suggestion

from . import records as kinds_of_records
from .forms import SectionPageForm
from .navigation import page_context, remembered_locales
from .published import remember, request_generation
from .records import KINDS


class PortalPage(Page):
    """Base of every public page: breadcrumbs, language alternates, share links."""

    class Meta:
        abstract = True

    def get_context(self, request, *args, record=None, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(page_context(request, self, record=record))
        return context

    def get_view_restrictions(self):
        """Return the view restrictions of this page and its ancestors.

        Those remembered for a public request's copy (``published.remember_view_restrictions``),
        else Wagtail's query (the admin's privacy views filter and order it).
        """
        remembered = getattr(self, "_remembered_view_restrictions", None)
        return super().get_view_restrictions() if remembered is None else remembered

    def route(self, request, path_components):
        """Find the child named by the address without reading the page tree on every request.

        Wagtail reads each level's child and then its specific row: two queries per level. Until
        the next publication (``opencoop.pages.published``) this process remembers which pages
        are under this page's home, by parent and slug (one query of a few columns: a tree is
        its sections and their lists, a few hundred pages, not its records), and each page
        once asked for (one query), so that addresses of no page cannot fill the memory; each
        request gets its own copy of the child, so nothing one request sets on it is seen by
        another. Reading every page of the tree whole at the first request took 14-28 ms in
        each worker after each publication (a query per page type), for pages most requests
        never route through.
        """
        if not path_components:
            return super().route(request, path_components)
        slug, remaining = path_components[0], path_components[1:]
        home_path = self.path[: 2 * self.steplen]
        number = request_generation(request)
        tree = remember(
            ("page tree", home_path), lambda: _children_by_slug(home_path), number=number
        )
        found = tree.get(self.path, {}).get(slug)
        if found is None:
            raise Http404
        child = remember(("page", found[0]), lambda: _specific_page(request, *found), number=number)
        child = copy.copy(child)
        child._cached_parent_obj = self
        return child.route(request, remaining)


def _children_by_slug(home_path: str) -> dict[str, dict[str, tuple[int, int]]]:
    """Return the children of each page under the home at ``home_path``, by parent path and slug:
    each child's id and content type."""
    tree: dict[str, dict[str, tuple[int, int]]] = {}
    pages = Page.objects.filter(path__startswith=home_path, depth__gt=2).order_by("path")
    for pk, page_path, slug, content_type_id in pages.values_list(
        "pk", "path", "slug", "content_type_id"
    ):
        tree.setdefault(page_path[: -Page.steplen], {}).setdefault(slug, (pk, content_type_id))
    return tree


def _specific_page(request, pk: int, content_type_id: int) -> Page:
    """Return the page ``pk`` as its own type, read in one query, with its remembered locale.

    A page deleted since the tree was read is no page (its deletion starts a new generation).
    """
    model = ContentType.objects.get_for_id(content_type_id).model_class() or Page
    page = model.objects.filter(pk=pk).first()
    if page is None:
        raise Http404
    # The locale from those remembered, copied with the page: its links and figures ask for it
    # on each request.
    locale = next(
        (loc for loc in remembered_locales(request).values() if loc.pk == page.locale_id), None
    )
    if locale is not None:
        page.locale = locale
    return page


class MenuChildrenMixin:
    """Give the template the sub-pages to list: those in menus the public may see."""

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["menu_children"] = policy.public_pages(self.get_children()).in_menu()
        return context


class HomePage(MenuChildrenMixin, PortalPage):
    intro = RichTextField(_("introduction"), blank=True)
    content_panels = Page.content_panels + [FieldPanel("intro")]
    max_count_per_parent = 1
    latest_count = 3

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["sections"] = home_sections(self, self.latest_count, request)
        return context


class StandardPage(MenuChildrenMixin, PortalPage):
    intro = models.TextField(_("introduction"), blank=True)
    body = RichTextField(_("text"), blank=True)
    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]

    class Meta:
        verbose_name = _("page")


class SectionPage(PortalPage):
    """The landing page of a cooperation section, grouping its records as the original site does."""

    intro = models.TextField(_("introduction"), blank=True)
    reporting_org = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("reporting organisation"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Whose activities this section shows."),
    )
    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("reporting_org")]
    base_form_class = SectionPageForm

    # A city's section lists everything, as its original page does; a region's stays readable.
    landing_limit = 50

    class Meta:
        verbose_name = _("cooperation section")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        groups = []
        index_pages = policy.public_pages(self.get_children()).type(RecordIndexPage)
        for index_page in index_pages.specific():
            kind = KINDS[index_page.record_type]
            published = kind.published(self.reporting_org)
            # One more than shown tells whether the list goes on without counting them all.
            records = list(published[: self.landing_limit + 1])
            more = len(records) > self.landing_limit
            groups.append(
                {
                    "page": index_page,
                    "kind": kind.key,
                    "records": records[: self.landing_limit],
                    "total": published.count() if more else len(records),
                    "more": more,
                }
            )
        context["groups"] = groups
        return context


class RecordIndexPage(RoutablePageMixin, PortalPage):
    """A list of one kind of record with a page for each record under it."""

    record_type = models.CharField(
        _("records listed"), max_length=20, choices=[(k, v.label) for k, v in KINDS.items()]
    )
    intro = models.TextField(_("introduction"), blank=True)
    content_panels = Page.content_panels + [FieldPanel("record_type"), FieldPanel("intro")]
    parent_page_types = ["pages.SectionPage"]
    subpage_types: list[str] = []
    page_size = 20

    class Meta:
        verbose_name = _("list of records")

    @property
    def kind(self):
        return KINDS[self.record_type]

    @property
    def reporting_org(self):
        return self.get_parent().specific.reporting_org

    def record_url(self, record) -> str:
        return self.url + self.reverse_subpage("record", args=[record.slug])

    @path("")
    def index(self, request):
        paginator = Paginator(self.kind.published(self.reporting_org), self.page_size)
        reads_query(request, ["page"])
        try:
            page_number = int(request.GET.get("page", "1"))
        except ValueError:
            page_number = 1
        if page_number < 1 or page_number > paginator.num_pages:
            raise Http404
        records = paginator.page(page_number)
        return self.render(
            request,
            context_overrides={
                "records": records,
                **page_links(records, self.get_url(request) or ""),
            },
        )

    @re_path(r"^(?P<slug>[-\w]+)/$", name="record")
    def record(self, request, slug: str):
        # The authority's id is enough to find the record: no need to read the authority itself.
        reporting_org_id = self.get_parent().specific_deferred.reporting_org_id
        record = self.kind.page_record(reporting_org_id, slug)
        if record is None:
            raise Http404
        context = self.get_context(request, record=record)
        context["record"] = record
        context.update(self.kind.detail_context(record))
        return TemplateResponse(request, self.kind.template, context)


class SuggestionPage(PortalPage):
    """The suggestions form: stores the message and tells the sender it was received."""

    intro = models.TextField(_("introduction"), blank=True)
    thanks = models.TextField(_("thank-you text"), blank=True)
    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("thanks")]

    class Meta:
        verbose_name = _("suggestions page")

    def serve(self, request, *args, **kwargs):
        if request.method == "POST":
            form = SuggestionForm(request.POST)
            if form.is_valid():
                submit_suggestion(
                    message=form.cleaned_data["message"],
                    email=form.cleaned_data["email"],
                    page_url=form.cleaned_data["page_url"],
                    language=request.LANGUAGE_CODE,
                )
                return redirect(self.url + "?sent=1")
        else:
            form = SuggestionForm(initial={"page_url": request.GET.get("from", "")})
        context = self.get_context(request)
        context["form"] = form
        context["sent"] = request.GET.get("sent") == "1"
        response = TemplateResponse(request, self.get_template(request), context)
        # The form carries the time it was shown (a spam check): never served from a cache.
        add_never_cache_headers(response)
        return response


# What the home page counts for each section.
HOME_KINDS = ("activities", "initiatives", "exchanges")


def home_sections(home: Page, latest_count: int, request: HttpRequest | None = None) -> list[dict]:
    """Return each public cooperation section under ``home``: its latest projects and numbers.

    The home page shows what each section does (its introduction), what it published last and
    how much. The numbers are the catalogue's kept counts of public records, which agree with
    the section's own lists (tests); all sections' numbers are one query.
    """
    # The sections, their lists and their addresses change only when an editor publishes:
    # remembered until then (``published.remember``); the figures are read on each request.
    host = request.get_host() if request is not None else ""
    sections = remember(
        ("home sections", home.pk, host),
        lambda: _home_structure(home, request),
        number=request_generation(request) if request is not None else None,
    )
    if not sections:
        return []
    orgs = {section["org"] for section in sections}
    # The catalogue's kept counts (a few rows an authority), not a count of every record.
    counts = kinds_of_records.count_by_authority([KINDS[key].model for key in HOME_KINDS], orgs)
    # The latest projects of every section in one query, not one a section.
    newest_first = [F("last_published_at").desc(nulls_last=True), "-pk"]
    latest: dict[int, list] = {}
    published = KINDS["activities"].published(None)
    authorities = Organisation.objects.filter(pk__in=orgs)
    # What a link shows: the whole record (its texts, dates, parts' caches) is not read.
    for activity in (
        first_of_each(published, "reporting_org_id", authorities, newest_first, latest_count)
        .order_by(*newest_first)
        .only("pk", "slug", "title", "reporting_org_id", "last_published_at")
    ):
        latest.setdefault(activity.reporting_org_id, []).append(activity)
    return [
        {
            **section,
            "latest": latest.get(section["org"], []),
            "numbers": [
                {**number, "count": counts.get((KINDS[number["key"]].model, section["org"]), 0)}
                for number in section["numbers"]
            ],
        }
        for section in sections
    ]


def _home_structure(home: Page, request: HttpRequest | None) -> list[dict]:
    """Return the public sections under ``home`` with their lists and addresses (no figures)."""
    sections = list(
        policy.public_pages(SectionPage.objects.descendant_of(home))
        .select_related("reporting_org")
        .order_by("path")
    )
    index_pages: dict[tuple[str, str], RecordIndexPage] = {}
    for index_page in policy.public_pages(RecordIndexPage.objects.descendant_of(home)):
        parent_path = index_page.path[: -Page.steplen]
        index_pages.setdefault((parent_path, index_page.record_type), index_page)
    result = []
    for section in sections:
        numbers = []
        for key in HOME_KINDS:
            page = index_pages.get((section.path, key))
            numbers.append(
                {
                    "key": key,
                    "label": KINDS[key].label,
                    "title": page.title if page else "",
                    "url": page.get_url(request) if page else "",
                }
            )
        result.append(
            {
                "url": section.get_url(request),
                "title": section.seo_title or section.title,
                "intro": section.intro,
                "org": section.reporting_org_id,
                # Once a section, not once a project link: the address of its projects' list.
                "projects_url": numbers[HOME_KINDS.index("activities")]["url"],
                "numbers": numbers,
                "contact": section.reporting_org,
            }
        )
    return result


NOTICES = {
    "accessibility": _("Accessibility statement"),
    "legal": _("Legal notes"),
    "privacy": _("Privacy notice"),
}


class NoticePage(PortalPage):
    """A notice every Italian public site carries: accessibility, legal notes or privacy.

    What it states comes from the portal's settings (one place for the authority's facts); the
    page gives it an address in each language and a place in the footer.
    """

    notice = models.CharField(_("notice"), max_length=20, choices=list(NOTICES.items()))
    intro = models.TextField(_("introduction"), blank=True)
    content_panels = Page.content_panels + [FieldPanel("notice"), FieldPanel("intro")]
    parent_page_types = ["pages.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("notice")

    def get_template(self, request, *args, **kwargs) -> str:
        return f"pages/notices/{self.notice}.html"
