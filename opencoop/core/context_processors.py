"""Template context shared by every public page.

What it reads changes only when an editor publishes: it is remembered per process under the
page-cache generation (``opencoop.pages.published``), so most requests read none of it from
the database and the first request after a publication reads it afresh.
"""

from collections.abc import Hashable
from functools import cached_property

from django.http import HttpRequest
from django.utils.translation import get_language
from wagtail.models import Locale, Page, Site

from opencoop.access import policy

from .models import PortalSettings
from .sites import in_site, site_languages, site_settings


class PortalChrome:
    """What the header and footer need; each part is read only when a template asks for it."""

    def __init__(self, request: HttpRequest) -> None:
        from opencoop.pages.published import request_generation

        self.request = request
        self.language = get_language()
        self.generation = request_generation(request)

    def _remember(self, key: tuple, compute):
        from opencoop.pages.published import remember

        return remember(("chrome", *key), compute, number=self.generation)

    def for_site(self, name: Hashable, compute):
        """Return ``compute()``, remembered for the site and language until a publication."""
        return self._remember((name, self._site_pk, self.language), compute)

    @cached_property
    def site(self) -> Site | None:
        return Site.find_for_request(self.request)

    @property
    def _site_pk(self) -> int | None:
        return self.site.pk if self.site is not None else None

    @cached_property
    def languages(self) -> tuple[str, ...]:
        """Return the languages the site offers (one: no language switcher to show)."""
        return site_languages(self.request)

    @cached_property
    def settings(self) -> PortalSettings | None:
        if self.site is None:
            return None
        return site_settings(self.request)

    @cached_property
    def locale(self) -> Locale | None:
        return self._remember(
            ("locale", self.language),
            lambda: Locale.objects.filter(language_code=self.language).first(),
        )

    def _localized(self, page: Page | None) -> Page | None:
        if page is None or self.locale is None:
            return page
        return page.get_translation_or_none(self.locale) or page

    @cached_property
    def home(self) -> Page | None:
        site = self.site
        if site is None:
            return None
        return self._remember(
            ("home", site.pk, self.language), lambda: self._localized(site.root_page)
        )

    def _live_in_locale(self, queryset) -> Page | None:
        if self.locale is not None:
            queryset = queryset.filter(locale=self.locale)
        return queryset.first()

    def _sections(self) -> list[tuple[Page, str]]:
        from opencoop.pages.models import SectionPage

        qs = policy.public_pages(in_site(SectionPage.objects.order_by("path"), self.site))
        if self.locale is not None:
            qs = qs.filter(locale=self.locale)
        # Each with its path within the site, worked out once: an atlas has dozens of sections.
        return [(section, _path(section)) for section in qs]

    @cached_property
    def section(self) -> Page | None:
        """Return the cooperation section the visitor is in, else the first one (the main menu).

        A portal may hold several authorities' sections: inside one, the menu is that one's.
        """
        sections = self._remember(("sections", self._site_pk, self.language), self._sections)
        for section, url in sections:
            if url and self.request.path.startswith(url):
                return section
        return sections[0][0] if sections else None

    def _menu(self, section: Page) -> list[tuple[str, str]]:
        items = [section, *policy.public_pages(section.get_children()).in_menu()]
        # The path within the site: the menu is the site's own, and ``page.url`` names a host
        # as soon as the portal has more than one site.
        return [(item.title, _path(item)) for item in items]

    @cached_property
    def menu_items(self) -> list[dict]:
        """Return the main navigation: the section and its lists, in the current language."""
        section = self.section
        if section is None:
            return []
        path = self.request.path
        menu = self._remember(("menu", section.pk), lambda: self._menu(section))
        return [
            {
                "title": title,
                "url": url,
                "active": path == url or (n > 0 and bool(url) and path.startswith(url)),
            }
            for n, (title, url) in enumerate(menu)
        ]

    @cached_property
    def suggestions_page(self) -> Page | None:
        from opencoop.pages.models import SuggestionPage

        return self._remember(
            ("suggestions", self._site_pk, self.language),
            lambda: self._live_in_locale(
                policy.public_pages(in_site(SuggestionPage.objects.all(), self.site))
            ),
        )

    def _notices(self) -> list[Page]:
        from opencoop.pages.models import NOTICES, NoticePage

        pages = policy.public_pages(in_site(NoticePage.objects.all(), self.site))
        if self.locale is not None:
            pages = pages.filter(locale=self.locale)
        by_kind = {}
        for page in pages.order_by("path"):
            by_kind.setdefault(page.notice, page)
        return [by_kind[kind] for kind in NOTICES if kind in by_kind]

    @cached_property
    def notice_pages(self) -> list[Page]:
        """Return the accessibility statement, legal notes and privacy notice in the footer."""
        return self._remember(("notices", self._site_pk, self.language), self._notices)

    @cached_property
    def privacy_page(self) -> Page | None:
        return next((page for page in self.notice_pages if page.notice == "privacy"), None)


def _path(page: Page) -> str:
    parts = page.get_url_parts()
    return (parts[2] or "") if parts else ""


def portal(request: HttpRequest) -> dict:
    """Expose the portal's settings and fixed pages as ``portal`` and ``chrome``."""
    if request.path.startswith("/admin/"):
        return {}
    chrome = PortalChrome(request)
    return {"chrome": chrome, "portal": chrome.settings}
