"""What a web worker loads once, before its first request, rather than during it.

A worker fills its process-wide caches lazily: the first page of each kind it serves compiles
its templates and the includes they name, the first word search builds the synonyms' and place
names' groups (stemming some 800 words), the first country or map page projects the world's
outlines (50 ms), each first label of a codelist parses its file, and the first address built
in each language fills Django's tables for reversing addresses (30 ms). With workers restarted
every couple of thousand requests (``max_requests``), those first pages were the slow tail of
every page kind (the first word search in a worker: 365 ms against 72-85 ms for the next ones,
at 100,000 activities). ``warm_up`` does that work when the worker starts (``gunicorn_config``),
before it takes a connection. It reads no record: what it loads does not change with the content.

What remains for a worker's first page of each kind is what those pages remember between
publications (``pages.published``: the site's chrome, the tree's routes, the catalogue's labels)
and Python's own first calls down each page's code: at 2,000 activities, in one process after
``warm_up``, the first home 141 ms then 20-25, the first catalogue 92 then 34-51, the first map
page 97 then 28-46. ``warm_up_pages`` asks for one page of each kind, as a visitor would, so
that each worker pays them before its first visitor; it reads records, so it runs apart from
``warm_up`` and gives up quietly when the database is not there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.template.utils import get_app_template_dirs
from django.urls import Resolver404, URLResolver, get_resolver, resolve
from django.utils import translation

logger = logging.getLogger(__name__)

# What warming up with pages may take at most, a worker (seconds): past it, the rest is left to
# the first visitors. At 100,000 activities one of each kind takes about a second.
PAGES_BUDGET = 5.0
# Sites warmed, the default first: a national atlas may serve many, each with its own chrome.
MAX_SITES = 5
# The page types warmed: those most visitors see, whose cost does not grow with the records
# behind them beyond what the benchmark measures (not the open-data page, which checks every
# authority's files, nor the atlas's comparison).
WARMED_PAGE_TYPES = (
    "catalogue.cataloguepage",
    "pages.sectionpage",
    "pages.recordindexpage",
    "pages.standardpage",
    "stats.statisticspage",
    "stats.plansoverviewpage",
    "geography.mappage",
)


def project_templates() -> list[str]:
    """Return the names of the portal's own templates (its apps' and its project directory's)."""
    own = Path(settings.BASE_DIR, "opencoop").resolve()
    directories = [Path(d) for d in get_app_template_dirs("templates")]
    for engine in settings.TEMPLATES:
        directories += [Path(d) for d in engine.get("DIRS", ())]
    names: set[str] = set()
    for directory in directories:
        directory = directory.resolve()
        if not directory.is_relative_to(own) or not directory.is_dir():
            continue
        names.update(path.relative_to(directory).as_posix() for path in directory.rglob("*.html"))
    return sorted(names)


def _fill_reverse_tables(resolver: URLResolver, seen: set[int]) -> None:
    """Build ``resolver``'s table for reversing addresses, and its namespaces' (the language's)."""
    if id(resolver) in seen:
        return
    seen.add(id(resolver))
    resolver.reverse_dict  # noqa: B018 - built on first access, per language
    for _prefix, namespace in resolver.namespace_dict.values():
        _fill_reverse_tables(namespace, seen)


def warm_up() -> dict[str, float]:
    """Load what the first requests of a worker would; return the seconds of each step."""
    from opencoop.catalogue.spelling import groups
    from opencoop.codelists import registry
    from opencoop.geography.shapes import world

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    with suppress(Resolver404):  # loads the URL conf and the API's schemas either way
        resolve("/api/v1/activities")
    # Each language has its own tables (the addresses carry the language): built for each.
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            _fill_reverse_tables(get_resolver(), set())
    seconds["urls"] = time.perf_counter() - started

    started = time.perf_counter()
    for name in project_templates():
        # A template another one overrides, or one only the admin's context can compile,
        # is simply left for its first use.
        with suppress(TemplateDoesNotExist, TemplateSyntaxError):
            get_template(name)
    seconds["templates"] = time.perf_counter() - started

    started = time.perf_counter()
    groups()  # synonyms and place names, with their stems
    seconds["search words"] = time.perf_counter() - started

    started = time.perf_counter()
    # All of them (70, about 0.3 s and 10 MB): the public pages and the API label with some
    # thirty, the admin and the imports with the others.
    for name in registry.names():
        registry.get(name)
    seconds["codelists"] = time.perf_counter() - started

    started = time.perf_counter()
    world()  # the outlines of the countries, projected for the maps
    seconds["world map"] = time.perf_counter() - started
    return seconds


def warm_up_addresses() -> list[tuple[str, str]]:
    """Return (host, path) of one public page of each kind, for each site and language.

    In the order visitors need them most: each site's home in each language, one record's page
    of each kind of record, a partner country's page, the map's data and a page of the API,
    then one page of each of ``WARMED_PAGE_TYPES``. What a page remembers is kept per site and
    language (its chrome, its routes), so each site and language gets its own.
    """
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Locale, Page, Site

    from opencoop.geography.countries import countries_with_records, country_url
    from opencoop.pages.models import RecordIndexPage

    homes, records, others = [], [], []
    warmed_types = [
        ContentType.objects.get_by_natural_key(*label.split(".")).pk for label in WARMED_PAGE_TYPES
    ]
    locales = list(Locale.objects.order_by("pk"))
    sites = list(Site.objects.order_by("-is_default_site", "pk").select_related("root_page"))
    for site in sites[:MAX_SITES]:
        for locale in locales:
            home = site.root_page.get_translation_or_none(locale)
            if home is None or not home.live:
                continue
            homes.append(home.full_url)
            pages = Page.objects.live().public().descendant_of(home).order_by("path")
            kinds: set[str] = set()
            for index in RecordIndexPage.objects.filter(pk__in=pages.values("pk")):
                if index.record_type in kinds:
                    continue
                record = index.kind.published(index.reporting_org).first()
                if record is not None:
                    kinds.add(index.record_type)
                    records.append(index.record_url(record))
            for content_type in warmed_types:
                page = pages.filter(content_type=content_type).first()
                if page is not None:
                    others.append(page.specific.full_url)
    if not sites:
        return []
    # Addresses without a host are the default site's (the only site's, for Wagtail).
    default_host = urlsplit(sites[0].root_url).netloc
    # One country page (its chrome is the site's, warmed with the homes), the map's data, the API.
    codes = sorted(countries_with_records())
    services = [country_url(codes[0], settings.LANGUAGE_CODE)] if codes else []
    services += ["/geography/all/map.json", "/api/v1/activities?page_size=20"]
    addresses: list[tuple[str, str]] = []
    for url in filter(None, [*homes, *records, *services, *others]):
        parts = urlsplit(url)
        path = f"{parts.path}?{parts.query}" if parts.query else parts.path
        address = (parts.netloc or default_host, path)
        if address not in addresses:
            addresses.append(address)
    return addresses


def warm_up_pages(
    budget: float = PAGES_BUDGET, between: Callable[[], None] | None = None
) -> dict[str, object]:
    """Ask for ``warm_up_addresses`` through the portal's own stack, within ``budget`` seconds.

    ``between`` is called before each request: gunicorn's worker tells its master it is alive
    (``worker.notify``), or the master would take a long warm-up for a hung worker.

    Return each address asked for with its status and milliseconds, and the seconds in all. A
    page that fails answers 500 and the next is asked; anything else (a database that does not
    answer) ends it with a log line, and the worker serves as it would have.
    """
    from django.test import Client, override_settings

    started = time.perf_counter()
    answers: dict[str, tuple[int, float]] = {}
    secure = bool(getattr(settings, "SECURE_SSL_REDIRECT", False))
    # Rendered, never answered from nor kept in the page cache: another worker's warm-up would
    # have filled it, and this worker would then render nothing.
    off = override_settings(OPENCOOP_PAGE_CACHE_SECONDS=0)
    off.enable()
    try:
        client = Client(raise_request_exception=False)
        for host, path in warm_up_addresses():
            asked = time.perf_counter()
            if asked - started > budget:
                break
            if between is not None:
                between()
            response = client.get(path, HTTP_HOST=host, secure=secure)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)  # closed by the client once read
            milliseconds = (time.perf_counter() - asked) * 1000
            answers[f"{host}{path}"] = (response.status_code, round(milliseconds, 1))
    except Exception:  # a worker must start even if warming up fails
        logger.warning("warming up with pages stopped", exc_info=True)
    finally:
        off.disable()
    return {"answers": answers, "seconds": time.perf_counter() - started}
