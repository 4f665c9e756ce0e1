"""The public page types the browser suite and the page budget visit, in every portal language.

Add a page type by appending a ``PageType`` to ``PAGE_TYPES``: every check (axe-core, Nu Html
Checker, privacy, keyboard, text size, print, screenshots) and ``scripts/page_budget.py`` pick it up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.utils import translation

LANGUAGES = [code for code, _name in settings.LANGUAGES]
SECTION = {
    "it": "/it/amministrazione/firenze-internazionale/cooperazione-decentrata/",
    "en": "/en/administration/international-florence/decentralized-cooperation/",
}


class Absent(LookupError):
    """The portal has no page of this type (in this language)."""


@dataclass(frozen=True)
class PageType:
    """One kind of public page: how to find its address in a language, and what to do there."""

    key: str
    #: Return the page's path in a language (may read the database); raise ``Absent`` if none.
    locate: Callable[[str], str]
    status: int = 200
    #: Runs in the browser after the page has loaded, e.g. to send a form.
    action: Callable | None = None
    #: Whether the page budget (bytes, Lighthouse) measures it: it needs a plain GET.
    budget: bool = True
    #: The page model it needs ("app.Model"): left out while that app does not define it.
    model: str = ""
    #: Skipped, rather than failed, while the demo has no such page (pages being built).
    optional: bool = False
    #: Whether the page has the full site header (text size, language switch, main navigation).
    chrome: bool = True

    def path(self, lang: str) -> str:
        """Return the page's address (path and query) in ``lang``; raise ``Absent`` if none."""
        with translation.override(lang):
            return self.locate(lang)

    @property
    def defined(self) -> bool:
        """Say whether the code this page type needs exists (no database needed)."""
        if not self.model:
            return True
        try:
            apps.get_model(self.model)
        except LookupError:
            return False
        return True


def fixed(**paths: str) -> Callable[[str], str]:
    """Locate a page at a fixed address per language (the demo's page tree)."""
    return lambda lang: paths[lang]


def section_child(**slugs: str) -> Callable[[str], str]:
    """Locate a page right under the cooperation section."""
    return lambda lang: SECTION[lang] + slugs[lang] + "/"


def record_of(record_type: str) -> Callable[[str], str]:
    """Locate the published record with the most to show among those of ``record_type``."""

    def locate(lang: str) -> str:
        from django.db.models import Count

        from opencoop.pages.models import RecordIndexPage

        index = (
            RecordIndexPage.objects.live()
            .filter(record_type=record_type, locale__language_code=lang)
            .first()
        )
        if index is None:
            raise Absent(f"no live list of {record_type} in {lang}")
        records = index.kind.published(index.reporting_org)
        if record_type == "activities":
            # The richest project page: tables of budgets and transactions, locations, partners.
            records = records.annotate(
                n=Count("budgets", distinct=True)
                + Count("transactions", distinct=True)
                + Count("locations", distinct=True)
                + Count("participating_orgs", distinct=True)
            ).order_by("-n", "pk")
        record = records.first()
        if record is None:
            raise Absent(f"no published {record_type} in {lang}")
        return site_path(index) + index.reverse_subpage("record", args=[record.slug])

    return locate


def site_path(page) -> str:
    """Return ``page``'s path within the default site, or its whole address on another site.

    ``page.url`` names the host whenever there are several sites; an atlas's pages (statistics,
    map) answer at the atlas's own host only.
    """
    from wagtail.models import Site

    parts = page.get_url_parts()
    if parts is None:
        raise Absent(f"page {page.pk} is not routable")
    site_id, root_url, path = parts
    default = Site.objects.filter(is_default_site=True).values_list("pk", flat=True).first()
    return path if site_id == default else root_url + path


def page_of(model: str, **queries: str) -> Callable[[str], str]:
    """Locate the first live page of ``model`` in the language, with an optional query string."""

    def locate(lang: str) -> str:
        page = apps.get_model(model).objects.live().filter(locale__language_code=lang).first()
        if page is None:
            raise Absent(f"no live {model} page in {lang}")
        return site_path(page) + queries.get(lang, "")

    return locate


def country_page(code: str) -> Callable[[str], str]:
    """Locate a partner country's page (or, without a code, the list of countries)."""

    def locate(lang: str) -> str:
        from opencoop.geography.countries import country_url, index_url

        path = country_url(code, lang) if code else index_url(lang)
        if not path:
            raise Absent(f"no page of country {code or 'list'} in {lang}")
        return path

    return locate


def send_empty_form(page) -> None:
    """Send the page's form with nothing filled in, to show its error summary."""
    from django.core.cache import cache

    from opencoop.suggestions.protection import _rate_key

    # Every page type is sent at several widths in both languages, all from 127.0.0.1: more than
    # the hourly limit of one address. The limit has tests of its own (tests/test_suggestions.py).
    cache.delete(_rate_key("127.0.0.1"))
    with page.expect_navigation():
        page.locator("main form [type=submit]").click()


PAGE_TYPES: list[PageType] = [
    PageType("home", fixed(it="/it/", en="/en/")),
    PageType("standard", fixed(it="/it/amministrazione/", en="/en/administration/")),
    PageType("section", lambda lang: SECTION[lang]),
    PageType("record-index", section_child(it="progetti", en="projects")),
    PageType("activity", record_of("activities")),
    PageType("initiative", record_of("initiatives")),
    PageType("exchange", record_of("exchanges")),
    PageType("plan", record_of("plans")),
    PageType("suggestions", fixed(it="/it/suggerimenti/", en="/en/suggestions/")),
    PageType(
        "suggestions-errors",
        fixed(it="/it/suggerimenti/", en="/en/suggestions/"),
        action=send_empty_form,
        budget=False,
    ),
    PageType("privacy", fixed(it="/it/privacy/", en="/en/privacy/")),
    PageType(
        "accessibility-statement",
        fixed(it="/it/dichiarazione-di-accessibilita/", en="/en/accessibility-statement/"),
    ),
    PageType("legal-notes", fixed(it="/it/note-legali/", en="/en/legal-notes/")),
    PageType(
        "not-found",
        fixed(it="/it/pagina-che-non-esiste/", en="/en/no-such-page/"),
        status=404,
        chrome=False,
    ),
    # Pages of the finding-and-understanding apps, tested as soon as the demo has them.
    PageType(
        "catalogue",
        page_of("catalogue.CataloguePage"),
        model="catalogue.CataloguePage",
        optional=True,
    ),
    PageType(
        "catalogue-filtered",
        page_of("catalogue.CataloguePage", it="?q=scuola", en="?q=school"),
        model="catalogue.CataloguePage",
        optional=True,
    ),
    PageType(
        "search",
        page_of("catalogue.SearchPage"),
        model="catalogue.SearchPage",
        optional=True,
    ),
    PageType(
        "search-results",
        page_of("catalogue.SearchPage", it="?q=Firenze", en="?q=Florence"),
        model="catalogue.SearchPage",
        optional=True,
    ),
    PageType(
        "statistics",
        page_of("stats.StatisticsPage"),
        model="stats.StatisticsPage",
        optional=True,
    ),
    PageType(
        "plans-overview",
        page_of("stats.PlansOverviewPage"),
        model="stats.PlansOverviewPage",
        optional=True,
    ),
    PageType("map", page_of("geography.MapPage"), model="geography.MapPage", optional=True),
    PageType("country-list", country_page(""), model="pages.HomePage"),
    PageType("country", country_page("SN"), model="pages.HomePage"),
    PageType(
        "open-data",
        page_of("opendata.OpenDataPage"),
        model="opendata.OpenDataPage",
        optional=True,
    ),
]


def present(page_types: list[PageType] = PAGE_TYPES) -> list[tuple[PageType, str]]:
    """Return (page type, language) for every page type whose code exists (no database needed)."""
    return [(t, lang) for t in page_types if t.defined for lang in LANGUAGES]


def locate_all(
    cases: list[tuple[PageType, str]],
) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    """Return the path of each (page type, language) and, apart, why optional ones are absent.

    A page type that is not optional must be there: its absence raises ``Absent``.
    """
    paths, absent = {}, {}
    for page_type, lang in cases:
        try:
            paths[(page_type.key, lang)] = page_type.path(lang)
        except Absent as error:
            if not page_type.optional:
                raise
            absent[(page_type.key, lang)] = str(error)
    return paths, absent
