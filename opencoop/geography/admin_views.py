"""The admin's location picker: places by name from the gazetteer, and the map to click on."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.html import escape
from django.utils.text import slugify
from django.utils.translation import gettext as _

from opencoop.codelists import registry

from . import gazetteer
from .drawing import CountryMark, ShadeClass, world_map
from .shapes import world

# A country's map shows a sixth of the world's width around it (as on the country pages).
ZOOM = 6


def _countries(request: HttpRequest, name: str) -> list[str]:
    codes = [code.strip().upper() for code in request.GET.get(name, "").split(",")]
    return [code for code in codes if registry.get("Country").is_valid(code)]


def places(request: HttpRequest) -> JsonResponse:
    """Return ``{"places": [{label, name, country, latitude, longitude}, …]}`` for ``?q=``.

    ``?countries=SN,BF`` keeps to those countries; when none of them holds the name, every
    partner country is searched, so a slip in the country still finds the place.
    """
    query = request.GET.get("q", "")
    countries = _countries(request, "countries")
    found = gazetteer.search(query, countries=countries)
    if not found and countries:
        found = gazetteer.search(query)
    return JsonResponse(
        {
            "places": [
                {
                    "label": place.label,
                    "name": place.name,
                    "country": place.country,
                    "latitude": place.latitude,
                    "longitude": place.longitude,
                }
                for place in found
            ]
        },
        json_dumps_params={"ensure_ascii": False},
    )


def picker_map(request: HttpRequest) -> HttpResponse:
    """Return the SVG map to click on: the world, or ``?country=SN`` and its surroundings.

    ``?row=locations-0`` names the row in the map's ids, so two open maps do not clash.
    """
    shapes = world()
    if shapes is None:
        return HttpResponse(
            escape(_("The map is not available: the front end was not built.")), status=503
        )
    frame = shapes.frame
    codes = _countries(request, "country")
    marks, view_box, title = [], None, _("World map: click to place the location")
    shape = shapes.countries.get(codes[0]) if codes else None
    if shape is not None:
        name = registry.get("Country").label(shape.code)
        marks = [CountryMark(shape.code, ShadeClass(1, 0, 0, "#d6e4f0"), "", name)]
        width, height = frame.width / ZOOM, frame.height / ZOOM
        x, y = shape.point
        view_box = (x - width / 2, y - height / 2, width, height)
        title = _("Map of %(country)s: click to place the location") % {"country": name}
    # One map per row that opens one: its ids name the row ("locations-0").
    row = slugify(request.GET.get("row", ""))
    svg = world_map(
        world=shapes,
        countries=marks,
        points=[],
        map_id=f"location-map-{row}" if row else "location-map",
        title=title,
        description=_(
            "Clicking the map sets the latitude and longitude; they can be typed instead."
        ),
        view_box=view_box,
    )
    frame_data = escape(json.dumps(frame.as_data()))
    response = HttpResponse(
        f'<div class="oc-location-picker__svg" data-frame="{frame_data}">{svg}</div>'
    )
    patch_cache_control(response, private=True, max_age=3600)
    return response
