"""Links between the pages of a long list: first, last and nearby pages, with gaps between."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.paginator import Page

# Pages linked on each side of the current one; the first and last are always linked.
PAGE_WINDOW = 2


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: a gap ("…")
    url: str
    current: bool


def pagination_context(page: Page, url_for: Callable[[int], str]) -> dict:
    """Return what ``core/components/pagination.html`` shows; no links for a single page.

    The numbers are Django's (``Paginator.get_elided_page_range``): a gap stands for two pages
    or more, never for a single page that could be linked instead.
    """
    paginator = page.paginator
    if paginator.num_pages < 2:
        return {"page_links": [], "previous_url": "", "next_url": ""}
    links = [
        PageLink(number, url_for(number), number == page.number)
        if isinstance(number, int)
        else PageLink(None, "", False)
        for number in paginator.get_elided_page_range(
            page.number, on_each_side=PAGE_WINDOW, on_ends=1
        )
    ]
    return {
        "page_links": links,
        "previous_url": url_for(page.number - 1) if page.has_previous() else "",
        "next_url": url_for(page.number + 1) if page.has_next() else "",
    }


def page_url(base_url: str, number: int) -> str:
    """Return the address of page ``number`` of a list at ``base_url`` (page 1 has no parameter)."""
    return base_url if number == 1 else f"{base_url}?page={number}"


def page_links(page: Page, base_url: str) -> dict:
    """Return ``pagination_context`` for a list whose only parameter is ``page``."""
    return pagination_context(page, lambda number: page_url(base_url, number))
