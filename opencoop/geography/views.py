"""The map's data as JSON: the same figures as the map page's table and the statistics page."""

from __future__ import annotations

import copy

from django.http import Http404, HttpRequest, JsonResponse
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from wagtail.models import Page, Site

from opencoop.access import policy
from opencoop.catalogue.filters import parse_language
from opencoop.codelists import registry
from opencoop.core.sites import site_languages, site_scope
from opencoop.operations.pagecache import reads_query
from opencoop.organisations.models import Organisation
from opencoop.pages.published import remember, remember_site, request_generation
from opencoop.stats.selectors import Scope, by_country, figures_as_of

from .countries import countries_with_records, country_url, index_url, is_country
from .countries import segment as segment_of
from .presentation import country_context
from .selectors import map_data, map_points


@require_GET
def map_json(request: HttpRequest, scope: str) -> JsonResponse:
    """Return countries (activities and amounts by currency) and places of one scope."""
    reads_query(request, ["lang"])
    lang, problems = parse_language(request.GET, languages=site_languages(request))
    if problems:
        return JsonResponse({"error": problems[0].message}, status=400)
    organisation = None
    site = site_scope(request)
    if scope != "all":
        organisation = Organisation.objects.reporting().filter(slug=scope).first()
        if organisation is None or not site.covers(organisation.pk):
            message = _(
                "“%(value)s” is not a reporting authority of this portal: use one's slug, or “all”."
            ) % {"value": scope}
            return JsonResponse({"error": message}, status=404)
    with translation.override(lang):
        figures = Scope(organisation, authorities=site.authorities)
        data = map_data(figures, by_country(figures), map_points(figures))
    data["lang"] = lang
    data["figures_as_of"] = figures_as_of(figures).isoformat()
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


# --- The country pages (routes of the home page) --------------------------------------------


def _country_chrome(request: HttpRequest, home, trail: list[dict], suffix: str, title: str) -> dict:
    """Return the site chrome of a page under the home page: alternates, breadcrumbs, title."""
    from opencoop.pages.navigation import page_context, share_links

    context = page_context(request, home)
    for alternate in context["alternates"]:
        alternate["url"] += f"{segment_of(alternate['lang'])}/{suffix}"
    current = next((a["url"] for a in context["alternates"] if a["is_current"]), "")
    context.update(
        {
            "breadcrumbs": [*context["breadcrumbs"][:1], *trail],
            "canonical_url": current,
            "share_links": share_links(current, title),
            "page_title": title,
        }
    )
    return context


def _home(request: HttpRequest, segment_: str):
    """Return the public home page of the address's language, or 404 (one address a language)."""
    from opencoop.pages.models import HomePage

    lang = translation.get_language()[:2]
    if segment_ != segment_of(lang):
        raise Http404
    # The home page of the site asked (each site has its own), in the address's language.
    remember_site(request)
    site = Site.find_for_request(request)

    def find():
        homes = HomePage.objects.filter(locale__language_code=lang)
        if site is not None:
            homes = homes.filter(translation_key=site.root_page.translation_key)
        home = policy.public_pages(homes).select_related("locale").first()
        return home

    # Remembered until a publication, as the home of Wagtail's own pages is; each request
    # gets its own copy, so nothing one request sets on it is seen by another.
    key = ("country pages' home", site.pk if site is not None else None, lang)
    home = remember(key, find, number=request_generation(request))
    if home is None:
        raise Http404
    return copy.copy(home)


@require_GET
def country_index(request: HttpRequest, segment: str) -> TemplateResponse:
    """List the countries with public records, each linking to its page."""
    home = _home(request, segment)
    lang = home.locale.language_code
    number = request_generation(request)
    title = _("Partner countries")
    countries = registry.get("Country")
    rows = sorted(
        (
            {"code": code, "label": countries.label(code), "url": country_url(code, lang, number)}
            for code in countries_with_records(number, site_scope(request))
            if is_country(code)
        ),
        key=lambda row: registry.collation_key(row["label"]),
    )
    context = Page.get_context(home, request)
    context.update(
        _country_chrome(request, home, [{"title": title, "url": ""}], "", title),
        countries=rows,
        description=_("The countries where the portal's cooperation takes place."),
    )
    return TemplateResponse(request, "geography/country_index.html", context)


@require_GET
def country_page(request: HttpRequest, segment: str, code: str) -> TemplateResponse:
    """Show one partner country: its records, partners, places, money by year, downloads."""
    home = _home(request, segment)
    code = code.upper()
    number = request_generation(request)
    if not is_country(code) or code not in countries_with_records(number, site_scope(request)):
        raise Http404
    lang = home.locale.language_code
    name = registry.get("Country").label(code)
    title = _("%(country)s – partner country") % {"country": name}
    context = Page.get_context(home, request)
    trail = [
        {"title": _("Partner countries"), "url": index_url(lang, number)},
        {"title": name, "url": ""},
    ]
    context.update(_country_chrome(request, home, trail, f"{code.lower()}/", title))
    context.update(country_context(code, home.locale, lang, site_scope(request), request))
    context["description"] = _(
        "Projects, initiatives, exchanges, partners, places and money of the cooperation with "
        "%(country)s, with downloads."
    ) % {"country": name}
    return TemplateResponse(request, "geography/country_page.html", context)
