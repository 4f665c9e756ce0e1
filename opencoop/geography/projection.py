"""The Equal Earth projection: an equal-area world map (Šavrič, Patterson and Jenny, 2018).

Country shapes and activity points go through this one function, so the points fall inside
their countries.
"""

from __future__ import annotations

import math

A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def equal_earth(longitude: float, latitude: float) -> tuple[float, float]:
    """Project degrees to plane units (x to the east, y to the north)."""
    lam = math.radians(longitude)
    theta = math.asin(M * math.sin(math.radians(latitude)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


class Frame:
    """Fit the projected world between two latitudes into an SVG box ``width`` units wide."""

    def __init__(self, width: float = 960, north: float = 84, south: float = -57) -> None:
        x_max = equal_earth(180, 0)[0]
        self.scale = width / (2 * x_max)
        self.x_max = x_max
        self.top = equal_earth(0, north)[1]
        self.width = width
        self.height = (self.top - equal_earth(0, south)[1]) * self.scale

    def point(self, longitude: float, latitude: float) -> tuple[float, float]:
        """Return the SVG coordinates of a place (y grows downwards)."""
        x, y = equal_earth(longitude, latitude)
        return (x + self.x_max) * self.scale, (self.top - y) * self.scale

    def location(self, x: float, y: float) -> tuple[float, float]:
        """Return (longitude, latitude) of SVG coordinates (the inverse of ``point``)."""
        return equal_earth_inverse(x / self.scale - self.x_max, self.top - y / self.scale)

    def as_data(self) -> dict[str, float]:
        """Return what a script needs to turn a click on the map into a place and back."""
        return {"scale": self.scale, "x_max": self.x_max, "top": self.top}


def equal_earth_inverse(x: float, y: float) -> tuple[float, float]:
    """Return (longitude, latitude) of plane units (the inverse of ``equal_earth``).

    The latitude is found by Newton's method on the polynomial of ``equal_earth``.
    """
    theta = y
    for _ in range(20):
        t2 = theta * theta
        t6 = t2 * t2 * t2
        error = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2)) - y
        slope = A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)
        step = error / slope
        theta -= step
        if abs(step) < 1e-12:
            break
    t2 = theta * theta
    t6 = t2 * t2 * t2
    longitude = M * x * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)) / math.cos(theta)
    latitude = math.asin(max(-1.0, min(1.0, math.sin(theta) / M)))
    return math.degrees(longitude), math.degrees(latitude)
