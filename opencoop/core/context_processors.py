"""Template context shared by every public page."""

from functools import cached_property

from django.http import HttpRequest
from django.utils.translation import get_language
from wagtail.models import Locale, Page, Site

from .models import PortalSettings


class PortalChrome:
    """What the header and footer need; each part is read only when a template asks for it."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    @cached_property
    def settings(self) -> PortalSettings:
        return PortalSettings.for_request(self.request)

    @cached_property
    def locale(self) -> Locale | None:
        return Locale.objects.filter(language_code=get_language()).first()

    def _localized(self, page: Page | None) -> Page | None:
        if page is None or self.locale is None:
            return page
        return page.get_translation_or_none(self.locale) or page

    @cached_property
    def home(self) -> Page | None:
        site = Site.find_for_request(self.request)
        return self._localized(site.root_page) if site else None

    def _first_of_type(self, model_name: str) -> Page | None:
        from opencoop.pages import models as page_models

        model = getattr(page_models, model_name)
        qs = model.objects.live()
        if self.locale is not None:
            qs = qs.filter(locale=self.locale)
        return qs.first()

    @cached_property
    def section(self) -> Page | None:
        """Return the cooperation section the visitor is in, else the first one (the main menu).

        A portal may hold several authorities' sections: inside one, the menu is that one's.
        """
        from opencoop.pages.models import SectionPage

        qs = SectionPage.objects.live().order_by("path")
        if self.locale is not None:
            qs = qs.filter(locale=self.locale)
        first = None
        for section in qs:
            url = section.get_url(self.request)
            if url and self.request.path.startswith(url):
                return section
            first = first or section
        return first

    @cached_property
    def menu_items(self) -> list[dict]:
        """Return the main navigation: the section and its lists, in the current language."""
        if self.section is None:
            return []
        path = self.request.path
        items = [self.section, *self.section.get_children().live().in_menu()]
        return [
            {
                "title": item.title,
                "url": item.url,
                "active": path == item.url
                or (item is not self.section and path.startswith(item.url)),
            }
            for item in items
        ]

    @cached_property
    def suggestions_page(self) -> Page | None:
        return self._first_of_type("SuggestionPage")

    @cached_property
    def privacy_page(self) -> Page | None:
        from opencoop.pages.models import StandardPage

        qs = StandardPage.objects.live().filter(slug__in=["privacy"])
        if self.locale is not None:
            qs = qs.filter(locale=self.locale)
        return qs.first()


def portal(request: HttpRequest) -> dict:
    """Expose the portal's settings and fixed pages as ``portal`` and ``chrome``."""
    if request.path.startswith("/admin/"):
        return {}
    chrome = PortalChrome(request)
    return {"chrome": chrome, "portal": chrome.settings}
