"""What the catalogue and search templates need besides the data: links that change the state."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from opencoop.core.pagination import pagination_context
from opencoop.opendata.downloads import download_urls
from opencoop.opendata.records import budget_total

from .filters import FACET_LABELS, KINDS, LIST_ALL, SORTS, CatalogueFilters
from .selectors import CatalogueResult, Facet, FacetValue, RecordLinks, listed_kinds
from .site_search import SearchGroup


@dataclass(frozen=True)
class ActiveFilter:
    """A chip for one active filter value, with the address that removes it."""

    param: str
    facet_label: str
    label: str
    remove_url: str


def active_filters(result: CatalogueResult, base_url: str) -> list[ActiveFilter]:
    """Return a chip per active filter value, named as its facet names it."""
    filters = result.filters
    labels = {
        (facet.param, value.value): value.label for facet in result.facets for value in facet.values
    }
    chips = []
    for param, value in filters.active:
        if param == "q":
            chips.append(
                ActiveFilter(
                    "q",
                    _("Search words"),
                    value,
                    base_url + filters.without("q").querystring(),
                )
            )
            continue
        chips.append(
            ActiveFilter(
                param,
                str(FACET_LABELS[param]),
                labels.get((param, value), value),
                base_url + filters.without(param, value).querystring(),
            )
        )
    return chips


# Values a facet shows before "show all"; a facet longer than FILTER_WITHIN gets a text box
# (with JavaScript) that narrows its values as one types. An atlas's partner organisations run
# to thousands: a facet lists its first FACET_LISTED values (those with most records; selected
# values always), the others on asking (``all=``), so that every catalogue page does not carry
# hundreds of kilobytes of checkboxes.
FACET_TOP = 5
FILTER_WITHIN = 10
FACET_LISTED = 100


@dataclass(frozen=True)
class CollapsedFacet:
    """A facet split in the values shown at first and the rest, behind "show all".

    ``unlisted`` counts the values left out of the page; ``all_url`` lists them.
    """

    param: str
    label: str
    top: list[FacetValue]
    rest: list[FacetValue]
    filterable: bool
    unlisted: int = 0
    all_url: str = ""


def collapse(
    facet: Facet, top: int = FACET_TOP, listed: int | None = FACET_LISTED, all_url: str = ""
) -> CollapsedFacet:
    """Show a facet's first ``top`` values, and any selected value, before the rest.

    With ``listed``, values beyond the first ``listed`` are left out unless selected.
    """
    shown, rest, unlisted = [], [], 0
    for i, value in enumerate(facet.values):  # one pass: a facet may hold a thousand values
        if i < top or value.selected:
            shown.append(value)
        elif listed is None or i < listed:
            rest.append(value)
        else:
            unlisted += 1
    return CollapsedFacet(
        facet.param,
        facet.label,
        shown,
        rest,
        len(facet.values) > FILTER_WITHIN,
        unlisted,
        all_url if unlisted else "",
    )


# The list page under which each kind of catalogue row has its records' pages.
RECORD_TYPES = {"activity": "activities", "initiative": "initiatives", "exchange": "exchanges"}


def result_item(record, links: RecordLinks) -> dict:
    """Return what a result card shows of an activity, initiative or exchange."""
    kind = getattr(record, "catalogue_kind", "activity")
    item = {
        "kind": kind,
        "kind_label": KINDS[kind],
        "record": record,
        "url": links.url(record, RECORD_TYPES[kind]),
    }
    if kind == "activity":
        item["activity"] = record
        item["budget"] = budget_total(record)
    elif kind == "initiative":
        item["countries"] = [country.code for country in record.countries.all()]
    elif record.country:
        item["countries"] = [record.country]
    return item


def catalogue_context(
    result: CatalogueResult,
    links: RecordLinks,
    *,
    base_url: str,
    lang: str,
    listed_in_full: str | None = None,
) -> dict:
    """Return the template context of a catalogue page for ``result``.

    ``listed_in_full``: the facet whose values are all listed (``filters.listed_in_full``).
    """
    filters = result.filters
    page = result.page
    state = filters.querystring()  # "?" alone when there is no filter
    joiner = "&" if len(state) > 1 else ""
    facets = [
        collapse(
            facet,
            listed=None if facet.param == listed_in_full else FACET_LISTED,
            all_url=f"{base_url}{state}{joiner}{urlencode({LIST_ALL: facet.param})}"
            f"#facet-{facet.param}",
        )
        for facet in result.facets
        if facet.values
    ]
    sorts = [
        {"value": value, "label": label, "selected": value == filters.effective_sort}
        for value, label in SORTS.items()
        if value != "relevance" or filters.q
    ]
    return {
        "filters": filters,
        "facets": facets,
        "results": [result_item(record, links) for record in page.object_list],
        "downloads": download_urls(filters, lang),
        "results_page": page,
        "total": result.total,
        "total_estimated": result.total_estimated,
        "counts_estimated": result.counts_estimated,
        "projects_only": listed_kinds(filters) == ("activity",),
        "filter_messages": result.messages,
        "active_filters": active_filters(result, base_url),
        "clear_url": base_url,
        "sorts": sorts,
        **pagination_context(
            page, lambda number: base_url + filters.with_page(number).querystring()
        ),
    }


def search_context(
    q: str, groups: list[SearchGroup] | None, suggestion: str = "", lang: str = ""
) -> dict:
    """Return the template context of the site search page.

    The projects found can be downloaded: the catalogue's downloads of the same words, the
    list the group's link to the catalogue shows.
    """
    found_projects = any(group.key == "activities" and group.total for group in groups or [])
    return {
        "downloads": download_urls(CatalogueFilters(q=q), lang) if found_projects else {},
        "q": q,
        "suggestion": suggestion,
        "suggestion_querystring": search_querystring(suggestion),
        "groups": groups or [],
        "total": sum(group.total for group in groups or []),
        "searched": groups is not None,
    }


def keep_state_in_alternates(context: dict, querystring: str) -> None:
    """Carry the search state over to the other languages' addresses."""
    if not querystring or querystring == "?":
        return
    context["alternates"] = [
        {**alt, "url": alt["url"] + querystring} for alt in context.get("alternates", [])
    ]
    context["canonical_url"] = next(
        (alt["url"] for alt in context["alternates"] if alt["is_current"]),
        context.get("canonical_url"),
    )


def search_querystring(q: str) -> str:
    return "?" + urlencode({"q": q}) if q else ""
