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
"""

from __future__ import annotations

import time
from contextlib import suppress
from pathlib import Path

from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.template.utils import get_app_template_dirs
from django.urls import Resolver404, URLResolver, get_resolver, resolve
from django.utils import translation


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
