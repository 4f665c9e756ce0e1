"""Serve public pages to anonymous visitors from the cache, and forget them on every change.

What is cached: the 200 answers to anonymous GET requests for the public site (every address
under a language prefix: Wagtail pages, record pages, catalogue, statistics, map and open-data
pages) and for the public data endpoints in ``DATA_PREFIXES`` (map data, JSON API). A request is
anonymous when it carries neither the session cookie nor pending messages nor an
``Authorization`` header; signed-in editors, and visitors who passed a page password, always get
a fresh page.

How it is invalidated: the cache key holds a *generation* number. Saving or deleting any row a
public page may show (pages, records, organisations, portal settings, images, documents) and
Wagtail's publish, unpublish and move signals bump it, so the next request renders afresh; the
entries of older generations are never read again and expire by themselves. The bump is made at
once and again when the transaction commits, so that a page rendered from data read before the
commit is never stored under the new generation.

What the key holds of the query string: only the GET parameters the page says it reads. A page
(or a data endpoint) declares them with ``reads_query(request, names)`` beside the code that reads
them; the names each address reads are remembered in a small per-address entry, so that the next
request knows them before rendering. Parameters a page does not read (``?utm_source=…``, junk)
never create an entry: such a request is answered from the entry of the same page without them,
or rendered and not stored. A page that declares nothing is cached only when it is asked without
a query string, since what it reads is not known.

What is never stored: answers other than 200, streamed answers, answers that set a cookie or use
the CSRF token or the session, answers with a CSP nonce or a per-view CSP, answers marked
private or no-store, and answers that vary on a header other than the language and the cookie.

The cache is Django's ``default`` cache: Redis when ``REDIS_URL`` is set (required in production,
shared by every worker), local memory otherwise (one process only). ``OPENCOOP_PAGE_CACHE_SECONDS``
sets how long an entry lives; 0 turns the page cache off.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import cc_delim_re, patch_vary_headers
from django.utils.translation import get_language, get_language_from_path

from .replicas import reads_replica

logger = logging.getLogger("opencoop.operations")

GENERATION_KEY = "opencoop:pagecache:generation"
# When the generation was last bumped (a Unix time): a replica may not have replayed that change.
CHANGED_AT_KEY = "opencoop:pagecache:changed-at"
# Remembered for an address whose page declared no parameters: its query is not understood.
UNDECLARED = "undeclared"
CACHE_HEADER = "X-Cache"
# Public data addresses outside the language prefixes (the pages are all under /<language>/).
DATA_PREFIXES = ("/geography/", "/api/v1/")
# Request headers a response may vary on and still be cached: the language is in the key, and
# requests that carry a personal cookie are never served from the cache.
HARMLESS_VARY = {"accept-language", "cookie"}

# Apps of the project whose rows no public page shows: saving them leaves the cache alone.
PRIVATE_APPS = {"suggestions", "imports", "operations", "editorial"}
# Rows kept from records (whose own saves bump the generation), written again when read.
DERIVED_MODELS = {"catalogue.cataloguerow", "catalogue.catalogueword"}
# Rows of Wagtail and its companions that public pages show. Revisions, logs, workflow states and
# image renditions are left out: they change while editors work or while a page renders.
PUBLIC_MODELS = {
    "wagtailcore.page",
    "wagtailcore.site",
    "wagtailcore.locale",
    "wagtailcore.pageviewrestriction",
    "wagtailcore.collection",
    "wagtailcore.collectionviewrestriction",
    "wagtailimages.image",
    "wagtaildocs.document",
    "taggit.tag",
}


class CacheUnavailable(RuntimeError):
    """The cache answers like an empty cache that keeps nothing: Redis is away."""


def page_cache_seconds() -> int:
    """Return how long a page stays cached (0: the page cache is off)."""
    return int(getattr(settings, "OPENCOOP_PAGE_CACHE_SECONDS", 0) or 0)


def generation() -> int:
    """Return the current generation, starting one if the cache has none (new or evicted)."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        # A start from the clock, not from 1: after an eviction the new generation must differ
        # from every old one whose entries may still be in the cache.
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        value = cache.get(GENERATION_KEY)
    if value is None:  # An unavailable cache keeps nothing (operations.resilientcache).
        raise CacheUnavailable("the page cache generation cannot be read")
    return int(value)


def bump_generation() -> None:
    """Make every cached page stale: the next request for each renders it again."""
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        cache.set(CHANGED_AT_KEY, time.time(), timeout=None)
    except Exception:  # A cache outage must not stop an editor from saving.
        logger.warning("Could not bump the page cache generation", exc_info=True)


def may_predate_the_last_change() -> bool:
    """Say whether what this request read may be older than the last change of public content.

    True for a read on a replica less than ``OPENCOOP_READ_YOUR_WRITES_SECONDS`` after the last
    change, which the replica may not have replayed yet: such a page is shown but not kept, so
    that it cannot outlive the lag in the page cache or in the remembered chrome.
    """
    if not reads_replica():
        return False
    changed_at = cache.get(CHANGED_AT_KEY)
    window = settings.OPENCOOP_READ_YOUR_WRITES_SECONDS
    return changed_at is not None and time.time() - float(changed_at) < window


def content_changed(**kwargs) -> None:
    """Bump the generation now and when the current transaction commits."""
    bump_generation()
    transaction.on_commit(bump_generation)


def shows_in_public(model: type) -> bool:
    """Tell whether rows of ``model`` may appear on a public page."""
    from wagtail.models import Page

    meta = model._meta
    if meta.label_lower in DERIVED_MODELS:
        return False
    if meta.label_lower in PUBLIC_MODELS or issubclass(model, Page):
        return True
    app_name = meta.app_config.name if meta.app_config else ""
    return app_name.startswith("opencoop.") and meta.app_label not in PRIVATE_APPS


def _row_changed(sender: type, **kwargs) -> None:
    if shows_in_public(sender):
        content_changed()


def connect_signals() -> None:
    """Bump the generation whenever public content changes (called once, at start-up)."""
    from wagtail.signals import (
        page_published,
        page_unpublished,
        post_page_move,
        published,
        unpublished,
    )

    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_row_changed, dispatch_uid=f"pagecache-{id(signal)}")
    for signal in (page_published, page_unpublished, post_page_move, published, unpublished):
        signal.connect(content_changed, dispatch_uid=f"pagecache-{id(signal)}")


def is_cacheable_request(request: HttpRequest) -> bool:
    """Tell whether ``request`` is an anonymous read of a public address."""
    if request.method not in ("GET", "HEAD"):
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    path = request.path_info
    return bool(get_language_from_path(path)) or path.startswith(DATA_PREFIXES)


def is_cacheable_response(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Tell whether ``response`` is the same for every anonymous visitor, and so may be kept."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    # The page holds a CSRF token tied to this visitor's cookie, or touched the session.
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    # A nonce must be new on every answer; a per-view policy lives on the response object.
    if isinstance(getattr(request, "_csp_nonce", None), str):
        return False
    if any(name.startswith("_csp_") for name in vars(response)):
        return False
    cache_control = {
        part.split("=", 1)[0].strip().lower()
        for part in cc_delim_re.split(response.get("Cache-Control", ""))
    }
    if cache_control & {"private", "no-store", "no-cache"}:
        return False
    vary = {h.strip().lower() for h in cc_delim_re.split(response.get("Vary", "")) if h.strip()}
    return vary <= HARMLESS_VARY


def reads_query(request: HttpRequest, names: Iterable[str]) -> None:
    """Declare that the answer to ``request`` depends on the GET parameters ``names``.

    Call it where the page or endpoint reads them; the page cache keys on these only.
    """
    declared = getattr(request, "page_cache_reads", frozenset())
    request.page_cache_reads = declared | frozenset(names)


def declared_reads(request: HttpRequest) -> tuple[str, ...] | None:
    """Return the parameters the answer declared it reads (sorted), or None if it declared none."""
    declared = getattr(request, "page_cache_reads", None)
    return tuple(sorted(declared)) if declared is not None else None


def _address(request: HttpRequest) -> str:
    return "|".join((request.scheme, request.get_host(), request.path, get_language() or ""))


def reads_key(request: HttpRequest, current_generation: int) -> str:
    """Return the key of the entry remembering which parameters ``request``'s address reads."""
    digest = hashlib.sha256(_address(request).encode()).hexdigest()
    return f"opencoop:pagereads:{current_generation}:{digest}"


def cache_key(request: HttpRequest, current_generation: int, reads: Iterable[str] = ()) -> str:
    """Return the key of ``request``'s page: generation, address, language, the parameters read.

    Only the parameters in ``reads`` count, each with its values in the order sent.
    """
    # Encoded, so that a value holding "&" or "=" cannot pass for another parameter.
    query = urlencode(
        [(name, value) for name in sorted(reads) for value in request.GET.getlist(name)]
    )
    digest = hashlib.sha256(f"{_address(request)}|{query}".encode()).hexdigest()
    return f"opencoop:page:{current_generation}:{digest}"


def _freeze(response: HttpResponseBase) -> tuple[int, bytes, list[tuple[str, str]]]:
    return response.status_code, response.content, list(response.headers.items())


def _thaw(frozen: tuple[int, bytes, list[tuple[str, str]]]) -> HttpResponse:
    status, content, headers = frozen
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    return response


class PageCacheMiddleware:
    """Answer anonymous reads of public pages from the cache (see the module's docstring).

    It sits after ``LocaleMiddleware`` (the language is part of the key) and before the CSRF,
    authentication and messages middleware, so that the cookies they set are seen here. The
    middleware above it add their per-request headers (request id, security policy) to a cached
    answer as to a fresh one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        seconds = page_cache_seconds()
        if not seconds or not is_cacheable_request(request):
            return self.get_response(request)
        sent = set(request.GET)
        try:
            current = generation()
            reads = cache.get(reads_key(request, current)) if sent else ()
            if reads == UNDECLARED:
                # The page does not say what it reads: a query string may change it.
                return self.get_response(request)
            frozen = cache.get(cache_key(request, current, reads)) if reads is not None else None
        except CacheUnavailable:  # Already logged by the cache backend, once per outage.
            return self.get_response(request)
        except Exception:  # A cache outage slows the site down; it must not stop it.
            logger.warning("Page cache unavailable", exc_info=True)
            return self.get_response(request)
        if frozen is not None:
            response = _thaw(frozen)
            response[CACHE_HEADER] = "hit"
        else:
            response = self.get_response(request)
            if (
                request.method == "GET"
                and is_cacheable_response(request, response)
                and not may_predate_the_last_change()
            ):
                self._store(request, response, current, sent, seconds)
            response[CACHE_HEADER] = "miss"
        # Shared caches downstream must not hand an anonymous answer to a signed-in editor.
        patch_vary_headers(response, ("Cookie",))
        return response

    @staticmethod
    def _store(
        request: HttpRequest,
        response: HttpResponseBase,
        current: int,
        sent: set[str],
        seconds: int,
    ) -> None:
        """Keep the page, keyed on the parameters it read, and remember which those are.

        A page rendered for a request with parameters it does not read is not kept: it may echo
        them (the API's page links do), and the entry of the page without them serves them.
        """
        reads = declared_reads(request)
        try:
            cache.set(reads_key(request, current), UNDECLARED if reads is None else reads, seconds)
            if sent <= set(reads or ()):
                cache.set(cache_key(request, current, reads or ()), _freeze(response), seconds)
        except Exception:
            logger.warning("Page cache unavailable", exc_info=True)
