"""Template tags of the catalogue: where the site search is, for the header."""

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag(takes_context=True)
def site_search_url(context) -> str:
    """Return the address of the site search page in the current language ("" if none)."""
    from opencoop.access import policy
    from opencoop.catalogue.models import SearchPage

    request = context.get("request")
    lang = get_language()
    cache = getattr(request, "_catalogue_search_urls", None) if request is not None else None
    if cache is not None and lang in cache:
        return cache[lang]
    from wagtail.models import Site

    from opencoop.core.sites import in_site

    pages = SearchPage.objects.filter(locale__language_code=lang)
    if request is not None:  # the search page of the site asked
        pages = in_site(pages, Site.find_for_request(request))
    page = policy.public_pages(pages).first()
    url = (page.get_url(request) or "") if page is not None else ""
    if request is not None:
        request._catalogue_search_urls = {**(cache or {}), lang: url}
    return url
