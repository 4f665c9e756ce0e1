"""Remember, per process, what public pages read that changes only when an editor publishes.

The header, footer, menu, breadcrumbs and language links of every public page come from a few
pages and settings that change only when an editor saves or publishes. Each such value is kept
here under the page-cache *generation* (``opencoop.operations.pagecache``), which every public
save, publication, unpublication and move bumps at once and again on commit: the first request
after a change finds a new generation and reads afresh, so a publication shows immediately. The
values of an older generation are dropped as a whole, so the memory held stays that of one
generation's chrome.

With read replicas, a value read on a replica just after a change is used but not kept: the
replica may not have replayed the change yet (``pagecache.may_predate_the_last_change``).

Only values that every visitor sees alike are kept (live pages, portal settings, locales, the
Wagtail site of a host), never a draft, a visitor's data or anything that depends on the request
beyond its language and host.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Any, TypeVar

from opencoop.operations.pagecache import generation, may_predate_the_last_change

T = TypeVar("T")


class _Generation:
    def __init__(self, number: int | None) -> None:
        self.number = number
        self.values: dict[Hashable, Any] = {}


_current = _Generation(None)

# The request this thread serves (set by ``RememberedSiteMiddleware``): a value remembered
# without its generation uses the request's, read once (a page links up to hundreds of
# countries, each asking; with Redis each read is a round trip).
_serving: ContextVar[Any] = ContextVar("opencoop_serving", default=None)


def current_generation() -> int | None:
    """Return the page-cache generation, or None when the cache cannot be read."""
    try:
        return generation()
    except Exception:  # A cache outage: read everything afresh rather than risk stale chrome.
        return None


def request_generation(request) -> int | None:
    """Return the generation read once for ``request``: one cache read serves all its parts."""
    if not hasattr(request, "_opencoop_generation"):
        request._opencoop_generation = current_generation()
    return request._opencoop_generation


def remember(key: Hashable, compute: Callable[[], T], *, number: int | None = None) -> T:
    """Return ``compute()``, computed once per generation in this process under ``key``.

    ``number`` is the generation already read for the request (``request_generation``).
    """
    global _current
    if number is None:
        request = _serving.get()
        number = current_generation() if request is None else request_generation(request)
    if number is None:
        return compute()
    store = _current
    if store.number != number:
        # Swapped as a whole: another thread still holding the old one finishes with it.
        store = _Generation(number)
        _current = store
    try:
        return store.values[key]
    except KeyError:
        value = compute()
        if not may_predate_the_last_change():
            store.values[key] = value
        return value


def forget() -> None:
    """Drop every remembered value (tests that roll their database back use it)."""
    global _current
    _current = _Generation(None)


def remember_site(request) -> None:
    """Give ``request`` its Wagtail site as remembered for its host and port in this generation.

    Wagtail looks the site up for every request (one query, 1.7 ms at 100,000 activities) and
    keeps it on ``request._wagtail_site``; a saved or deleted site bumps the generation like
    any public row. The key is the host and port as Wagtail reads them.
    """
    from django.http.request import split_domain_port
    from wagtail.models import Site

    if hasattr(request, "_wagtail_site"):
        return
    key = ("wagtail site", split_domain_port(request._get_raw_host())[0], request.get_port())
    request._wagtail_site = remember(
        key, lambda: Site._find_for_request(request), number=request_generation(request)
    )


class RememberedSiteMiddleware:
    """Set the Wagtail site of each request for a page from the memo (``remember_site``).

    Only requests that Wagtail serves: the API, the feeds and the health check look no site up
    and stay free of this query. Every request is also made the one ``remember`` takes its
    generation from when given none.
    """

    def __init__(self, get_response) -> None:
        from wagtail import views

        self.get_response = get_response
        self.serve = views.serve  # read once at start-up, not on every request

    def __call__(self, request):
        token = _serving.set(request)
        try:
            return self.get_response(request)
        finally:
            _serving.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs) -> None:
        if view_func is self.serve:
            remember_site(request)
            path = view_args[0] if view_args else view_kwargs.get("path", "")
            route_from_remembered_home(request, path)


def route_from_remembered_home(request, path: str) -> None:
    """Route ``request`` from its site's home in the active language, remembered per generation.

    What ``Page.route_for_request`` does, without its three queries a request (the language's
    locale, the home's translation, its specific row): the home is remembered like the site,
    and each request routes from its own copy of it, so nothing one request sets on it is seen
    by another. The result is left where Wagtail's view looks for it.
    """
    import copy

    from django.http import Http404
    from django.utils.translation import get_language

    site = request._wagtail_site
    if site is None:
        return
    home = remember(
        ("localized home", site.pk, get_language()),
        lambda: site.root_page.localized.specific,
        number=request_generation(request),
    )
    components = [component for component in path.split("/") if component]
    try:
        route = copy.copy(home).route(request, components)
    except Http404:
        request._wagtail_route_for_request = None
        return
    remember_view_restrictions(request, route.page)
    request._wagtail_route_for_request = route


def remember_view_restrictions(request, page) -> None:
    """Give ``page`` (this request's own copy) its view restrictions as remembered until a change.

    Wagtail checks them before serving any page, with two queries (the ancestors, then their
    restrictions); a restriction added or removed bumps the generation like any public row.
    ``PortalPage.get_view_restrictions`` answers with them.
    """
    from wagtail.models import PageViewRestriction

    number = request_generation(request)
    # Most portals restrict no page: one query a generation says so, rather than two a page.
    if not remember(("any view restriction",), PageViewRestriction.objects.exists, number=number):
        page._remembered_view_restrictions = ()
        return
    page._remembered_view_restrictions = remember(
        ("view restrictions", page.pk), lambda: tuple(page.get_view_restrictions()), number=number
    )
