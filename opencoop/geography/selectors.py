"""Where the cooperation happens: the map's places and its figures by country.

The figures by country are ``opencoop.stats.selectors.by_country``, the same table as on the
statistics page and in its CSV; places come only from ``disclosure.public_locations``, so a
location hidden for safety never becomes a point.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef

from opencoop.activities.disclosure import public_locations
from opencoop.activities.models import Activity, Location
from opencoop.stats.selectors import Scope
from opencoop.stats.tables import FigureTable, plain_number

PLACE_PRECISION = Decimal("0.01")  # about a kilometre: activities in one town share a point


@dataclass(frozen=True)
class MapPoint:
    """A place where public activities happen, with exact coordinates."""

    latitude: Decimal
    longitude: Decimal
    name: dict
    country: str
    activities: tuple[Activity, ...]


def map_points(scope: Scope) -> list[MapPoint]:
    """Return the public exact places of the scope's activities, one point per place."""
    activities = (
        scope.activities()
        .filter(Exists(Location.objects.filter(activity=OuterRef("pk"))))
        .defer("description", "objectives", "target_groups", "contact_organisation")
        .prefetch_related("locations", "recipient_countries")
        .order_by("id")
    )
    places: dict[tuple[Decimal, Decimal], dict] = {}
    members: dict[tuple[Decimal, Decimal], dict[int, Activity]] = defaultdict(dict)
    for activity in activities:
        for location in public_locations(activity):
            if not location.exact or location.latitude is None or location.longitude is None:
                continue
            key = (
                Decimal(location.latitude).quantize(PLACE_PRECISION),
                Decimal(location.longitude).quantize(PLACE_PRECISION),
            )
            places.setdefault(key, {"name": location.name, "country": location.country})
            members[key][activity.pk] = activity
    points = [
        MapPoint(key[0], key[1], place["name"], place["country"], tuple(members[key].values()))
        for key, place in places.items()
    ]
    points.sort(key=lambda p: (-len(p.activities), p.latitude, p.longitude))
    return points


def map_data(scope: Scope, table: FigureTable, points: list[MapPoint]) -> dict:
    """Return the map's figures as plain data: the countries table's rows and the places."""
    return {
        "scope": scope.slug,
        "organisation": (
            {"slug": scope.organisation.slug, "name": scope.organisation.name}
            if scope.organisation is not None
            else None
        ),
        "note": str(table.note),
        "columns": [column.key for column in table.columns],
        "countries": [
            {
                "code": row.code,
                "name": row.label,
                **{
                    column.key: plain_number(value) if column.is_amount else value
                    for column, value in zip(table.columns, row.values, strict=True)
                },
            }
            for row in table.rows
        ],
        "points": [
            {
                "latitude": float(point.latitude),
                "longitude": float(point.longitude),
                "name": point.name,
                "country": point.country,
                "activities": len(point.activities),
            }
            for point in points
        ],
    }
