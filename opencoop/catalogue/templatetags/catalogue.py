"""Template tags of the catalogue: where the site search is, for the header; facet values."""

import html
from collections.abc import Iterable

from django import template
from django.conf import settings
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

register = template.Library()


@register.simple_tag(takes_context=True)
def site_search_url(context) -> str:
    """Return the address of the site search page in the current language ("" if none).

    The page is remembered per site and language until the next publication
    (``pages.published``), like the rest of the header: no query on most requests.
    """
    from opencoop.pages.published import remember, request_generation

    request = context.get("request")
    lang = get_language()
    cache = getattr(request, "_catalogue_search_urls", None) if request is not None else None
    if cache is not None and lang in cache:
        return cache[lang]
    if request is None:
        page = _search_page(None, lang)
    else:
        from wagtail.models import Site

        site = Site.find_for_request(request)
        page = remember(
            ("search page", site.pk if site is not None else None, lang),
            lambda: _search_page(site, lang),
            number=request_generation(request),
        )
    url = (page.get_url(request) or "") if page is not None else ""
    if request is not None:
        request._catalogue_search_urls = {**(cache or {}), lang: url}
    return url


def _search_page(site, lang: str):
    """Return the public site search page of ``site`` (None: every site) in ``lang``."""
    from opencoop.access import policy
    from opencoop.catalogue.models import SearchPage
    from opencoop.core.sites import in_site

    pages = SearchPage.objects.filter(locale__language_code=lang)
    if site is not None:  # the search page of the site asked
        pages = in_site(pages, site)
    return policy.public_pages(pages).first()


# One checkbox of a facet value. Written here rather than as an included template: the
# unfiltered catalogue shows about 1,300 values, and including a template for each took four
# fifths of the page's processor time.
FACET_VALUE = (
    '<div class="form-check" data-oc-facet-value>\n'
    '  <input type="checkbox" name="{param}" value="{value}" id="{id}"{checked}>\n'
    '  <label for="{id}">{label} '
    '<span class="badge bg-secondary rounded-pill oc-count">{count}</span></label>\n'
    "</div>\n"
)


def _escape(value) -> str:
    """Escape as ``conditional_escape`` does, without its lazy-string wrapper (4 µs a call)."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def _number(n: int) -> str:
    """Return ``n`` as a template shows it (grouped only when the settings ask for it)."""
    return localize(n) if settings.USE_THOUSAND_SEPARATOR else str(n)


@register.simple_tag
def facet_values(values: Iterable, param: str, prefix: str, estimated: bool = False) -> SafeString:
    """Return the checkboxes of a facet's ``values`` (``FacetValue``), escaped.

    ``prefix`` keeps the ids of the values shown first ("t") apart from the rest ("r");
    ``estimated``: the counts are estimates (``selectors.count_catalogue``), shown as such.
    """
    param = _escape(param)
    about = _escape(gettext("about %(count)s")) if estimated else "%(count)s"
    written = []
    for counter, value in enumerate(values, start=1):
        written.append(
            FACET_VALUE.format(
                param=param,
                value=_escape(value.value),
                id=f"f-{param}-{_escape(prefix)}{_number(counter)}",
                checked=" checked" if value.selected else "",
                label=_escape(value.label),
                count=about % {"count": _number(value.count)},
            )
        )
    return mark_safe("".join(written))  # every value above is escaped
