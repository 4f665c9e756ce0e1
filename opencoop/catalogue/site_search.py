"""Search the whole site: pages, activities, initiatives, exchanges, plans and documents."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from wagtail.documents import get_document_model
from wagtail.models import Locale, Page

from opencoop.access import policy
from opencoop.activities.models import Activity
from opencoop.core.sites import EVERY_AUTHORITY, SiteScope
from opencoop.exchanges.models import Exchange
from opencoop.initiatives.models import Initiative
from opencoop.partnerships.models import Partnership
from opencoop.plans.models import AnnualPlan

from .selectors import RecordLinks, search_ids

GROUP_SIZE = 10


@dataclass(frozen=True)
class SearchHit:
    title: dict
    url: str
    summary: dict | None = None


@dataclass(frozen=True)
class SearchGroup:
    key: str
    label: str
    total: int
    hits: list[SearchHit]
    more_url: str = ""


def _visible(public: QuerySet, ids: list[int]) -> tuple[int, list[Model]]:
    """Return how many of the ranked ``ids`` are in ``public``, and the best of them."""
    visible = set(public.filter(pk__in=ids).values_list("pk", flat=True))
    ranked = [pk for pk in ids if pk in visible]
    by_id = public.in_bulk(ranked[:GROUP_SIZE])
    return len(ranked), [by_id[pk] for pk in ranked[:GROUP_SIZE] if pk in by_id]


def _records(
    q: str,
    key: str,
    label: str,
    model: type[Model],
    public: QuerySet,
    links: RecordLinks,
    summary_field: str,
) -> SearchGroup:
    total, records = _visible(public, search_ids(model.objects.all(), q) or [])
    hits = [
        SearchHit(record.title, links.url(record, key), getattr(record, summary_field))
        for record in records
    ]
    return SearchGroup(key, str(label), total, hits)


def _pages(q: str, locale: Locale, home: Page | None) -> SearchGroup:
    public = policy.public_pages().filter(locale=locale, depth__gt=1)
    if home is not None:  # the site's own pages, not another site's
        public = public.descendant_of(home, inclusive=True)
    total, pages = _visible(public, search_ids(Page.objects.filter(locale=locale), q) or [])
    lang = locale.language_code
    hits = [
        SearchHit({lang: page.title}, page.url or "", {lang: page.search_description})
        for page in pages
    ]
    return SearchGroup("pages", str(_("Pages")), total, hits)


def _documents(q: str, lang: str) -> SearchGroup:
    document_model = get_document_model()
    # Only documents the policy lets visitors download: not one attached only to drafts.
    public = policy.public_documents()
    total, documents = _visible(public, search_ids(document_model.objects.all(), q) or [])
    hits = [SearchHit({lang: document.title}, document.url) for document in documents]
    return SearchGroup("documents", str(_("Documents")), total, hits)


def site_search(
    q: str,
    *,
    locale: Locale,
    lang: str,
    site: SiteScope = EVERY_AUTHORITY,
    home: Page | None = None,
) -> list[SearchGroup]:
    """Return the matches of ``q`` grouped by kind (empty groups left out), best first.

    ``site``: whose records (the site's authorities); ``home``: the site's home page in
    ``locale``, under which its pages are searched (None: every page).
    """
    from .models import CataloguePage

    links = RecordLinks(locale)
    activities = _records(
        q,
        "activities",
        _("Projects"),
        Activity,
        site.records(Activity).select_related("reporting_org"),
        links,
        "description",
    )
    catalogue_pages = CataloguePage.objects.filter(locale=locale)
    if home is not None:
        catalogue_pages = catalogue_pages.descendant_of(home)
    catalogue_page = policy.public_pages(catalogue_pages).first()
    if catalogue_page is not None and activities.total:
        activities = SearchGroup(
            activities.key,
            activities.label,
            activities.total,
            activities.hits,
            f"{catalogue_page.url}?{urlencode({'q': q})}",
        )
    groups = [
        _pages(q, locale, home),
        activities,
        _records(
            q,
            "initiatives",
            _("Initiatives"),
            Initiative,
            site.records(Initiative),
            links,
            "summary",
        ),
        _records(
            q,
            "exchanges",
            _("Seminars and exchanges"),
            Exchange,
            site.records(Exchange),
            links,
            "summary",
        ),
        _records(
            q,
            "plans",
            _("Annual plans"),
            AnnualPlan,
            site.records(AnnualPlan),
            links,
            "summary",
        ),
        _records(
            q,
            "partnerships",
            _("Partnerships"),
            Partnership,
            site.records(Partnership),
            links,
            "summary",
        ),
        _documents(q, lang),
    ]
    return [group for group in groups if group.total]
