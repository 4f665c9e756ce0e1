"""Clicking the admin location picker's map where a place is, for the editor's tests."""

from __future__ import annotations

from playwright.sync_api import Locator

from opencoop.geography.projection import Frame


def click_on_map(svg: Locator, latitude: float, longitude: float) -> None:
    """Click the picker's map where the place is: the server's projection, through the SVG's
    own transform, as a point within the drawing. The click goes through the element (scrolled
    into view, steady, not covered by the admin's sticky footer), never to bare screen
    coordinates, which miss when the map opens below the fold."""
    x, y = Frame().point(longitude, latitude)
    svg.scroll_into_view_if_needed()
    within = svg.evaluate(
        """(svg, [x, y]) => {
            const point = svg.createSVGPoint()
            point.x = x
            point.y = y
            const p = point.matrixTransform(svg.getScreenCTM())
            const box = svg.getBoundingClientRect()
            return [p.x - box.left, p.y - box.top]
        }""",
        [x, y],
    )
    svg.click(position={"x": within[0], "y": within[1]})
