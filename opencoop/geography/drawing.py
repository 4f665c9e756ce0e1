"""Draw the world map as inline SVG: shaded countries that link to the catalogue, and places.

No tiles, no script: the page works offline and without JavaScript. Every country with figures
is a focusable link named by its figures; the table beside the map gives the same figures.

A country is never hidden by what is drawn over it: the places' dots of a country cover at most
``COVER`` of its area (the dots of a small country shrink; its own page shows them larger), and
the countries are drawn from the largest to the smallest, so that a small country's outline,
when focused, lies over its larger neighbours rather than under them. The dots scale with the
map, so the share they cover is the same at every width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .shapes import World

# Five classes, light to dark; the stylesheet's .oc-map-q<n> classes recolour them.
SHADES = ("#d6e6f5", "#a6c8ea", "#6fa3d6", "#3a78b5", "#0b4f8a")
NO_DATA = "#e9ecef"
BORDER = "#ffffff"
POINT = "#1a1a1a"
#: The largest share of a country's area its places' dots may cover.
COVER = 0.2
#: The white ring around a dot, in SVG units (counted in what the dot covers).
POINT_RING = 0.5
#: The smallest dot drawn (its link stays a target, however small the country).
MIN_RADIUS = 0.05
#: The radius of the dot drawn for a country too small for its outline to show.
SMALL_COUNTRY = 4.0


@dataclass(frozen=True)
class ShadeClass:
    """One class of the legend: values from ``low`` to ``high`` (both included)."""

    number: int
    low: Decimal | int
    high: Decimal | int
    fill: str


def classify(
    values: dict[str, Decimal | int], classes: int = 5
) -> tuple[dict[str, int], list[ShadeClass]]:
    """Put positive values into up to ``classes`` quantile classes; return each code's class."""
    distinct = sorted({v for v in values.values() if v > 0})
    if not distinct:
        return {}, []
    count = min(classes, len(distinct))
    highs = [distinct[math.ceil((i + 1) * len(distinct) / count) - 1] for i in range(count)]
    lows = [distinct[0]] + [distinct[distinct.index(high) + 1] for high in highs[:-1]]
    # Spread fewer classes over the whole range of shades, darkest for the largest.
    fills = [SHADES[round(i * (len(SHADES) - 1) / max(count - 1, 1))] for i in range(count)]
    legend = [ShadeClass(i + 1, lows[i], highs[i], fills[i]) for i in range(count)]
    result = {}
    for code, value in values.items():
        if value > 0:
            result[code] = next(i for i, high in enumerate(highs) if value <= high)
    return result, legend


def _overlaps(
    box: tuple[float, float, float, float] | None,
    view_box: tuple[float, float, float, float] | None,
) -> bool:
    """Say whether an outline may show in the part of the map drawn (all of it: always)."""
    if view_box is None or box is None:
        return True
    x, y, width, height = view_box
    return box[0] <= x + width and box[2] >= x and box[1] <= y + height and box[3] >= y


@dataclass(frozen=True)
class CountryMark:
    code: str
    shade: ShadeClass
    href: str
    label: str


@dataclass(frozen=True)
class PointMark:
    longitude: float
    latitude: float
    radius: float
    href: str
    label: str
    #: The country the place is in: its dots may cover only a share of its area.
    country: str = ""


def fitted_radii(world: World, points: list[PointMark]) -> list[float]:
    """Return each dot's radius, shrunk so that a country's dots cover at most ``COVER`` of it."""
    covered: dict[str, float] = {}
    for point in points:
        covered[point.country] = (
            covered.get(point.country, 0.0) + math.pi * (point.radius + POINT_RING / 2) ** 2
        )
    factors = {}
    for code, area in covered.items():
        shape = world.countries.get(code)
        if shape is None:
            factors[code] = 1.0
            continue
        room = COVER * (shape.area or math.pi * SMALL_COUNTRY**2)
        factors[code] = min(1.0, math.sqrt(room / area))
    # The dot and its ring shrink together: what they cover is what the share allows.
    half_ring = POINT_RING / 2
    return [
        max((point.radius + half_ring) * factors[point.country] - half_ring, MIN_RADIUS)
        for point in points
    ]


def world_map(
    *,
    world: World,
    countries: list[CountryMark],
    points: list[PointMark],
    map_id: str,
    title: str,
    description: str,
    view_box: tuple[float, float, float, float] | None = None,
) -> SafeString:
    """Return the SVG of the map (of the part ``view_box`` shows: x, y, width, height)."""
    frame = world.frame
    marked = {mark.code for mark in countries}
    x0, y0, width, height = view_box or (0, 0, frame.width, frame.height)
    parts = [
        f'<svg class="oc-map" id="{map_id}" viewBox="{x0:.0f} {y0:.0f} {width:.0f} {height:.0f}" '
        f'role="group" aria-labelledby="{map_id}-title {map_id}-desc" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{map_id}-title">{escape(title)}</title>',
        f'<desc id="{map_id}-desc">{escape(description)}</desc>',
        f'<g class="oc-map-land" aria-hidden="true" fill="{NO_DATA}" stroke="{BORDER}" '
        f'stroke-width="0.5">',
    ]
    parts += [
        f'<path d="{shape.path}"/>'
        for code, shape in world.countries.items()
        if shape.path and code not in marked and _overlaps(shape.box, view_box)
    ]
    parts.append("</g>")
    parts.append(f'<g class="oc-map-countries" stroke="{BORDER}" stroke-width="0.5">')
    shapes = {mark.code: world.countries.get(mark.code) for mark in countries}
    largest_first = sorted(
        (mark for mark in countries if shapes[mark.code] is not None),
        key=lambda mark: -shapes[mark.code].area,
    )
    for mark in largest_first:
        shape = shapes[mark.code]
        if shape.path:
            drawing = (
                f'<path class="oc-map-q{mark.shade.number}" d="{shape.path}" '
                f'fill="{mark.shade.fill}"/>'
            )
        else:
            x, y = shape.point
            drawing = (
                f'<circle class="oc-map-q{mark.shade.number} oc-map-small" cx="{x:.1f}" '
                f'cy="{y:.1f}" r="{SMALL_COUNTRY:.0f}" fill="{mark.shade.fill}" stroke="#1a1a1a"/>'
            )
        label = escape(mark.label)
        if mark.href:
            parts.append(
                f'<a href="{escape(mark.href)}" aria-label="{label}"><title>{label}</title>'
                f"{drawing}</a>"
            )
        else:
            parts.append(f"<g><title>{label}</title>{drawing}</g>")
    parts.append("</g>")
    parts.append(
        f'<g class="oc-map-points" fill="{POINT}" stroke="#ffffff" stroke-width="{POINT_RING}">'
    )
    for point, radius in zip(points, fitted_radii(world, points), strict=True):
        x, y = frame.point(point.longitude, point.latitude)
        circle = f'<circle class="oc-map-point" cx="{x:.1f}" cy="{y:.1f}" r="{radius:.2f}"/>'
        label = escape(point.label)
        if point.href:
            parts.append(
                f'<a href="{escape(point.href)}" aria-label="{label}"><title>{label}</title>'
                f"{circle}</a>"
            )
        else:
            parts.append(f"<g><title>{label}</title>{circle}</g>")
    parts.append("</g></svg>")
    return mark_safe("".join(parts))
