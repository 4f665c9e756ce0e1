"""The world map's drawing: dots that leave their country in sight, small countries on top."""

from __future__ import annotations

import math
import re

import pytest

from opencoop.geography.drawing import (
    COVER,
    POINT_RING,
    CountryMark,
    PointMark,
    ShadeClass,
    fitted_radii,
    world_map,
)
from opencoop.geography.shapes import world


@pytest.fixture(scope="module")
def shapes():
    loaded = world()
    assert loaded is not None, "the map outlines are built by the front end (make assets)"
    return loaded


def covered(radii: list[float]) -> float:
    return sum(math.pi * (radius + POINT_RING / 2) ** 2 for radius in radii)


def test_areas_are_those_of_the_outlines(shapes):
    areas = {code: shapes.countries[code].area for code in ("BR", "SN", "LB", "PS")}
    assert areas["BR"] > areas["SN"] > areas["LB"] > areas["PS"] > 0
    # Brazil is about 43 times Senegal's size on an equal-area map.
    assert 35 < areas["BR"] / areas["SN"] < 50


def test_a_small_country_s_dots_shrink_to_a_share_of_its_area(shapes):
    points = [PointMark(35.2, 31.7, 10, "", "Bethlehem", "PS")]
    points += [PointMark(35.5, 33.9, 6, "", "Beirut", "LB")] * 2
    radii = fitted_radii(shapes, points)
    assert covered(radii[:1]) == pytest.approx(COVER * shapes.countries["PS"].area)
    assert covered(radii[1:]) == pytest.approx(COVER * shapes.countries["LB"].area)
    assert all(radius < 10 for radius in radii)


def test_a_large_country_s_dots_keep_their_size(shapes):
    points = [PointMark(-47.9, -15.8, 10, "", "Brasília", "BR")]
    assert fitted_radii(shapes, points) == [10]


def test_smaller_countries_are_drawn_over_larger_ones(shapes):
    shade = ShadeClass(1, 1, 1, "#000000")
    marks = [CountryMark(code, shade, f"/{code}/", code) for code in ("PS", "BR", "LB", "SN")]
    svg = world_map(
        world=shapes, countries=marks, points=[], map_id="m", title="Map", description="A map"
    )
    assert re.findall(r'<a href="/(\w\w)/"', svg) == ["BR", "SN", "LB", "PS"]
