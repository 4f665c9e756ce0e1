"""RSS and Atom feeds of new and updated activities and of initiatives, in every language.

The activity feeds take the catalogue page's GET parameters, so any filtered view of the
catalogue has its feed; ``lang`` chooses the language (the default language when absent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.syndication.views import Feed
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext as _
from pydantic import ValidationError
from wagtail.models import Site

from opencoop.access import policy
from opencoop.activities.models import Activity
from opencoop.catalogue.filters import FilterError, Problem, parse_language, parse_output_query
from opencoop.catalogue.selectors import RecordLinks
from opencoop.codelists import registry
from opencoop.core.models import PortalSettings
from opencoop.core.multilingual import text
from opencoop.core.sites import in_site, site_languages, site_scope
from opencoop.initiatives.models import Initiative

from .downloads import bad_request
from .records import language_locale, published_initiatives, select_catalogue
from .schemas import InitiativeQuery

MAX_ITEMS = 50
FEED_TYPES = {"atom": Atom1Feed, "rss": Rss201rev2Feed}


@dataclass
class FeedQuery:
    """What one request asks of a feed: language, filters and where the feed's links point."""

    request: HttpRequest
    lang: str
    querystring: str  # the filters, "?…" or ""
    links: RecordLinks
    site_title: str
    filters: Any = None  # CatalogueFilters (activities) or a dict of lists (initiatives)


def _query(request: HttpRequest, lang: str, pairs: list[tuple[str, str]]) -> FeedQuery:
    portal = PortalSettings.for_request(request)
    return FeedQuery(
        request=request,
        lang=lang,
        querystring="?" + urlencode(pairs) if pairs else "",
        links=RecordLinks(language_locale(lang)),
        site_title=text(portal.site_title, lang) or "OpenCoop",
    )


class RecordFeed(Feed):
    """A feed in the language asked with ``lang``; bad parameters get a 400 saying which."""

    feed_kind = "atom"

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            request.feed_query = self.read_query(request)
        except FilterError as error:
            return bad_request(error, as_json=False)
        with translation.override(request.feed_query.lang):
            return super().__call__(request, *args, **kwargs)

    def read_query(self, request: HttpRequest) -> FeedQuery:
        raise NotImplementedError

    def get_object(self, request: HttpRequest, *args, **kwargs) -> FeedQuery:
        return request.feed_query

    @property
    def feed_type(self):
        return FEED_TYPES[self.feed_kind]

    def feed_url(self, obj: FeedQuery) -> str:
        return obj.request.get_full_path()

    def item_title(self, item) -> str:
        return text(item.title, translation.get_language())

    def item_pubdate(self, item):
        return item.first_published_at or item.last_published_at

    def item_updateddate(self, item):
        return item.last_published_at or item.first_published_at

    def item_author_name(self, item) -> str:
        return text(item.reporting_org.name, translation.get_language())


def _newest_first(qs: QuerySet) -> QuerySet:
    return qs.order_by(
        F("last_published_at").desc(nulls_last=True),
        F("first_published_at").desc(nulls_last=True),
        "-pk",
    )


class ActivityFeed(RecordFeed):
    """New and updated activities passing the catalogue's filters, newest first."""

    def read_query(self, request: HttpRequest) -> FeedQuery:
        asked = parse_output_query(
            request.GET,
            within=site_scope(request).authorities,
            languages=site_languages(request),
        )
        pairs = [pair for pair in asked.filters.query_pairs() if pair[0] != "page"]
        query = _query(request, asked.lang, pairs)
        query.filters = asked.filters
        return query

    def title(self, obj: FeedQuery) -> str:
        if obj.querystring:
            return _("%(site)s: new and updated projects (filtered)") % {"site": obj.site_title}
        return _("%(site)s: new and updated projects") % {"site": obj.site_title}

    def description(self, obj: FeedQuery) -> str:
        return _("Projects of decentralized cooperation, the newest or last updated first.")

    subtitle = description

    def link(self, obj: FeedQuery) -> str:
        from opencoop.catalogue.models import CataloguePage

        pages = in_site(CataloguePage.objects.all(), Site.find_for_request(obj.request))
        page = policy.public_pages(pages.filter(locale__language_code=obj.lang)).first()
        return (page.url + obj.querystring) if page is not None and page.url else "/"

    def items(self, obj: FeedQuery) -> list[Activity]:
        selection = select_catalogue(obj.filters, lang=obj.lang)
        qs = selection.queryset.select_related("reporting_org").prefetch_related(
            "recipient_countries"
        )
        items = list(_newest_first(qs)[:MAX_ITEMS])
        for item in items:
            # Records without a page (an authority with no section) link to their API answer.
            item.feed_link = obj.links.url(item, "activities") or reverse(
                "api-v1:activity", args=[item.iati_identifier]
            )
            item.feed_categories = [
                registry.get("Country").label(country.code, obj.lang)
                for country in item.recipient_countries.all()
            ]
        return items

    def item_description(self, item: Activity) -> str:
        return text(item.description, translation.get_language())

    def item_link(self, item) -> str:
        return item.feed_link

    def item_guid(self, item: Activity) -> str:
        return "urn:iati:" + item.iati_identifier

    item_guid_is_permalink = False

    def item_categories(self, item) -> list[str]:
        return item.feed_categories


class InitiativeFeed(RecordFeed):
    """Initiatives, the newest or last updated first; ``org``, ``country``, ``kind``, ``year``
    filter them as in the API."""

    def read_query(self, request: HttpRequest) -> FeedQuery:
        lang, problems = parse_language(request.GET, languages=site_languages(request))
        try:
            params = InitiativeQuery.model_validate(
                {name: request.GET.getlist(name) for name in INITIATIVE_FILTERS}
            )
        except ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(part) for part in error["loc"])
                message = f"{where}: {error['msg']}"
                problems.append(Problem(where, "", message, message))
        if problems:
            raise FilterError(problems, lang)
        chosen = {name: tuple(getattr(params, name)) for name in INITIATIVE_FILTERS}
        pairs = [(name, str(value)) for name, values in chosen.items() for value in values]
        query = _query(request, lang, pairs)
        query.filters = chosen
        return query

    def title(self, obj: FeedQuery) -> str:
        return _("%(site)s: initiatives") % {"site": obj.site_title}

    def description(self, obj: FeedQuery) -> str:
        return _("Initiatives, events and campaigns, the newest or last updated first.")

    subtitle = description

    def link(self, obj: FeedQuery) -> str:
        from opencoop.pages.models import RecordIndexPage

        page = (
            policy.public_pages(
                in_site(RecordIndexPage.objects.all(), Site.find_for_request(obj.request))
            )
            .filter(locale__language_code=obj.lang, record_type="initiatives")
            .first()
        )
        return page.url if page is not None and page.url else "/"

    def items(self, obj: FeedQuery) -> list[Initiative]:
        initiatives = site_scope(obj.request).restrict(published_initiatives(**obj.filters))
        items = list(_newest_first(initiatives)[:MAX_ITEMS])
        for item in items:
            item.feed_link = obj.links.url(item, "initiatives") or reverse(
                "api-v1:initiative", args=[item.pk]
            )
        return items

    def item_description(self, item: Initiative) -> str:
        return text(item.summary, translation.get_language())

    def item_link(self, item) -> str:
        return item.feed_link


INITIATIVE_FILTERS = ("org", "country", "kind", "year")


class ActivityAtomFeed(ActivityFeed):
    feed_kind = "atom"


class ActivityRssFeed(ActivityFeed):
    feed_kind = "rss"


class InitiativeAtomFeed(InitiativeFeed):
    feed_kind = "atom"


class InitiativeRssFeed(InitiativeFeed):
    feed_kind = "rss"
