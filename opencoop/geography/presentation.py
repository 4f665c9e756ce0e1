"""What a country's page shows, as template data (the page itself is a route of the home page)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from wagtail.models import Locale

from opencoop.catalogue.filters import CatalogueFilters
from opencoop.codelists import registry
from opencoop.core.multilingual import text
from opencoop.core.sites import EVERY_AUTHORITY, SiteScope
from opencoop.stats.links import CatalogueLinks
from opencoop.stats.presentation import present
from opencoop.stats.selectors import by_year, figures_as_of

from .countries import country_partners, country_records
from .drawing import CountryMark, PointMark, ShadeClass, world_map
from .selectors import map_points
from .shapes import world

# The country's part of the world map: a sixth of the map's width around the country.
ZOOM = 6


def _record_rows(records: list, record_type: str, links) -> list[dict]:
    return [{"record": record, "url": links.url(record, record_type)} for record in records]


def _country_map(code: str, name: str, points, links) -> tuple[str, str]:
    """Return the small map of the country and its places, and the outlines' source."""
    shapes = world()
    if shapes is None:
        return "", ""
    shade = ShadeClass(5, 0, 0, "#3a78b5")
    marks = [CountryMark(code, shade, "", name)]
    point_marks = [
        PointMark(
            float(point.longitude),
            float(point.latitude),
            2,
            links.url(point.single) if point.single is not None else "",
            text(point.name) or name,
            point.country,
        )
        for point in points
    ]
    frame = shapes.frame
    shape = shapes.countries.get(code)
    view_box = None
    if shape is not None:
        width, height = frame.width / ZOOM, frame.height / ZOOM
        x, y = shape.point
        view_box = (x - width / 2, y - height / 2, width, height)
    svg = world_map(
        world=shapes,
        countries=marks,
        points=point_marks,
        map_id="country-map",
        title=_("%(country)s on the map") % {"country": name},
        description=_(
            "Map of %(country)s and the places of its public activities, as dots; the list of "
            "places gives the same."
        )
        % {"country": name},
        view_box=view_box,
    )
    return svg, shapes.source


def country_context(
    code: str,
    locale: Locale,
    lang: str,
    site: SiteScope = EVERY_AUTHORITY,
    request: HttpRequest | None = None,
) -> dict:
    """Return the template data of country ``code``'s page in ``lang``, on ``site``."""
    from opencoop.catalogue.selectors import record_links
    from opencoop.opendata.downloads import download_urls

    name = registry.get("Country").label(code)
    records = country_records(code, site=site)
    scope = records.scope
    links = record_links(locale)  # looked up once per publication
    points = map_points(scope)
    map_svg, map_source = _country_map(code, name, points, links)
    return {
        "country_code": code,
        "country_name": name,
        "activities": _record_rows(records.activities, "activities", links),
        "activity_count": records.activity_count,
        # Where every one of them is listed, when the page lists the first ones only.
        "all_activities_url": (
            CatalogueLinks(request, locale, None).url("country", code)
            if records.activity_count > len(records.activities)
            else ""
        ),
        "initiatives": _record_rows(records.initiatives, "initiatives", links),
        "exchanges": _record_rows(records.exchanges, "exchanges", links),
        "partnerships": records.partnerships,
        "partners": country_partners(code, records),
        "map_svg": map_svg,
        "map_source": map_source,
        "points": points,
        "money": present(by_year(scope), csv_url="", links=None, chart=False),
        "figures_as_of": figures_as_of(scope),
        "downloads": download_urls(CatalogueFilters(country=(code,)), lang),
    }
