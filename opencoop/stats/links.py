"""Addresses the figures link to: the catalogue filtered by a code, and activities' own pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest
from wagtail.models import Locale, Page

from opencoop.access import policy
from opencoop.organisations.models import Organisation
from opencoop.pages.published import remember, request_generation


def catalogue_page(locale: Locale | None) -> Page | None:
    """Return the public catalogue page of ``locale``, or None when the portal has none."""
    try:
        from opencoop.catalogue.models import CataloguePage
    except ImportError:
        return None
    pages = policy.public_pages(CataloguePage.objects.order_by("path"))
    if locale is not None:
        pages = pages.filter(locale=locale)
    return pages.first()


class CatalogueLinks:
    """Build links to the catalogue filtered by one code (and by the authority, when scoped)."""

    def __init__(
        self, request: HttpRequest, locale: Locale | None, organisation: Organisation | None
    ) -> None:
        # Remembered until a publication: the figures pages and country pages build links on
        # every request.
        page = remember(
            ("catalogue page", locale.pk if locale is not None else None),
            lambda: catalogue_page(locale),
            number=request_generation(request) if request is not None else None,
        )
        self.base = page.get_url(request) if page is not None else ""
        self.organisation = organisation

    def __bool__(self) -> bool:
        return bool(self.base)

    def url(self, param: str, code: str) -> str:
        """Return the catalogue's address filtered by ``param=code`` ("" without a catalogue)."""
        if not self.base or not param or not code:
            return ""
        params = [(param, code)]
        if self.organisation is not None:
            params.append(("org", self.organisation.slug))
        return f"{self.base}?{urlencode(params)}"
