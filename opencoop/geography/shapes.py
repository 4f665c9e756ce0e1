"""Country outlines for the world map, projected once per process.

The outlines are Natural Earth's, built by the front end from the npm package ``world-atlas``
into ``static/dist/map/countries.geo.json`` (GeoJSON keyed by ISO 3166-1 alpha-2 codes).
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from django.contrib.staticfiles import finders

from .projection import Frame

logger = logging.getLogger(__name__)

SHAPES_FILE = "dist/map/countries.geo.json"
# Points closer than this (in SVG units, about a pixel) are merged: invisible, and half the size.
MIN_STEP = 0.8


@dataclass(frozen=True)
class CountryShape:
    code: str
    name: str
    path: str  # SVG path data; "" for countries too small for the map's scale
    point: tuple[float, float]  # where to put a marker for the country
    # The outline's bounds (x0, y0, x1, y1): a map of one region leaves out what lies outside.
    box: tuple[float, float, float, float] | None = None
    #: The area inside the outline, in square SVG units (0 for countries drawn as a dot).
    area: float = 0.0


@dataclass(frozen=True)
class World:
    frame: Frame
    countries: dict[str, CountryShape]
    source: str


def _unwrap(ring: list[list[float]]) -> list[list[float]]:
    """Keep a ring that crosses the 180th meridian (Fiji, Chukotka) on one side of the map."""
    if not any(abs(a[0] - b[0]) > 180 for a, b in itertools.pairwise(ring)):
        return ring
    east = sum(1 for longitude, _lat in ring if longitude > 0) >= len(ring) / 2
    if east:
        return [[min(lon + 360, 180) if lon < 0 else lon, lat] for lon, lat in ring]
    return [[max(lon - 360, -180) if lon > 0 else lon, lat] for lon, lat in ring]


def _ring_path(ring: list[list[float]], frame: Frame) -> str:
    points: list[tuple[float, float]] = []
    for longitude, latitude in _unwrap(ring):
        x, y = frame.point(longitude, latitude)
        if points and abs(x - points[-1][0]) + abs(y - points[-1][1]) < MIN_STEP:
            continue
        points.append((x, y))
    if len(points) < 3:
        return ""
    head, *tail = points
    return f"M{head[0]:.1f} {head[1]:.1f}" + "".join(f"L{x:.1f} {y:.1f}" for x, y in tail) + "Z"


def _ring_area(ring: list[list[float]], frame: Frame) -> float:
    """Return the area a ring encloses on the map (shoelace formula), in square SVG units."""
    points = [frame.point(longitude, latitude) for longitude, latitude in _unwrap(ring)]
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(points))) / 2


def _area(polygons: list[list[list[list[float]]]], frame: Frame) -> float:
    """Return the area of a country's polygons: each outer ring less its holes."""
    return sum(
        _ring_area(outer, frame) - sum(_ring_area(hole, frame) for hole in holes)
        for outer, *holes in polygons
        if outer
    )


def shapes_path() -> Path | None:
    """Return where the built outlines are, or None when the front end was not built."""
    found = finders.find(SHAPES_FILE)
    return Path(found) if found else None


@functools.cache
def world() -> World | None:
    """Load and project the outlines once; None (and a warning) when they are missing."""
    path = shapes_path()
    if path is None:
        logger.warning("%s not found: run the front-end build (make assets).", SHAPES_FILE)
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    frame = Frame()
    countries = {}
    for feature in data["features"]:
        geometry = feature.get("geometry") or {}
        rings = [ring for polygon in geometry.get("coordinates", []) for ring in polygon]
        path_data = "".join(_ring_path(ring, frame) for ring in rings)
        longitude, latitude = feature["properties"]["point"]
        xy = [frame.point(lon, lat) for ring in rings for lon, lat in _unwrap(ring)]
        box = (
            (
                min(x for x, _ in xy),
                min(y for _, y in xy),
                max(x for x, _ in xy),
                max(y for _, y in xy),
            )
            if xy
            else None
        )
        countries[feature["id"]] = CountryShape(
            feature["id"],
            feature["properties"]["name"],
            path_data,
            frame.point(longitude, latitude),
            box,
            _area(geometry.get("coordinates", []), frame) if path_data else 0.0,
        )
    return World(frame, countries, data.get("source", "Natural Earth"))
