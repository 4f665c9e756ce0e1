"""Addresses in a language the site does not offer lead to the same content in its first one.

A site may offer only some of the portal's languages (``opencoop.core.sites.site_languages``).
A visitor who follows an old or shared link to ``/en/…`` on a site in Italian only wants the
content, not an error: the answer is a redirect to the same page (or record) in the site's
first language, else to its home page in that language. The redirect is temporary (302): an
editor may offer the language again, and browsers keep a permanent one.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.utils.translation import get_language_from_path
from wagtail.models import Page

from opencoop.access import policy
from opencoop.core.sites import site_languages


def same_content_in(request: HttpRequest, asked: str, lang: str) -> str:
    """Return the address of what ``request`` (an address in ``asked``) shows, in ``lang``.

    The page the address names, followed within the site's home page in ``asked``, and what
    follows it (a record's slug); its translation in ``lang``. Else the home page in ``lang``.
    """
    site = getattr(request, "_wagtail_site", None)
    query = request.META.get("QUERY_STRING", "")
    fallback = f"/{lang}/"
    if site is None:
        return fallback
    homes = policy.public_pages(
        Page.objects.filter(translation_key=site.root_page.translation_key, depth=2)
    )
    by_lang = {home.locale.language_code: home for home in homes.select_related("locale")}
    target_home = by_lang.get(lang)
    if target_home is not None:
        fallback = target_home.get_url(request) or fallback
    home = by_lang.get(asked)
    if home is None or target_home is None:
        return fallback
    rest = request.path_info[len(f"/{asked}/") :]
    try:
        page = home.specific.route(request, [part for part in rest.split("/") if part]).page
    except Http404:
        return fallback
    translation = policy.public_pages(page.get_translations().filter(locale__language_code=lang))
    found = translation.first()
    if found is None:
        return fallback
    # What follows the page's own address (a record's slug) is alike in every language.
    within = page.url_path[len(home.url_path) :]
    suffix = rest[len(within) :] if rest.startswith(within) else ""
    url = (found.get_url(request) or fallback) + suffix
    return f"{url}?{query}" if query else url


class SiteLanguageMiddleware:
    """Redirect an address in a portal language the site does not offer (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        asked = get_language_from_path(request.path_info)
        if asked is not None:
            offered = site_languages(request)
            if asked not in offered:
                return HttpResponseRedirect(same_content_in(request, asked, offered[0]))
        return self.get_response(request)
