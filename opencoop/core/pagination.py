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
    """Return what ``core/components/pagination.html`` shows; no links for a single page."""
    last = page.paginator.num_pages
    if last < 2:
        return {"page_links": [], "previous_url": "", "next_url": ""}
    numbers = sorted(
        {
            1,
            last,
            *range(max(1, page.number - PAGE_WINDOW), min(last, page.number + PAGE_WINDOW) + 1),
        }
    )
    links: list[PageLink] = []
    previous = 0
    for number in numbers:
        if number - previous > 1:
            links.append(PageLink(None, "", False))
        links.append(PageLink(number, url_for(number), number == page.number))
        previous = number
    return {
        "page_links": links,
        "previous_url": url_for(page.number - 1) if page.has_previous() else "",
        "next_url": url_for(page.number + 1) if page.has_next() else "",
    }
