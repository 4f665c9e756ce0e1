"""Where the cooperation happens: the map's places and its figures by country.

The figures by country are ``opencoop.stats.selectors.by_country``, the same table as on the
statistics page and in its CSV; places follow ``disclosure.with_exact_places`` (an activity that
hides its exact locations gives no point), so a location hidden for safety never becomes a point.
Both are kept rows (``opencoop.stats.kept``), refreshed in the transaction of each write.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from opencoop.activities.models import Activity, Location
from opencoop.stats import kept
from opencoop.stats.figures import place_key
from opencoop.stats.selectors import Scope
from opencoop.stats.tables import FigureTable, plain_number


@dataclass(frozen=True)
class MapPoint:
    """A place where public activities happen, with exact coordinates."""

    latitude: Decimal
    longitude: Decimal
    name: dict
    country: str
    count: int  # the activities there
    # The activity itself when it is the only one there (the point links to its page).
    single: Activity | None = None


def map_points(scope: Scope) -> list[MapPoint]:
    """Return the public exact places of the scope's activities, one point per place.

    A place is exact when its activity does not hide its locations (``with_exact_places``) and
    it has coordinates; a scope of one country (``scope.country``) has the places of that
    country's activities. Each place has its number of activities, the name of its first
    location (of its lowest activity, in that activity's order) and its activity when alone.
    Read from kept rows, a row per place (``kept.place_rows``), not from the scope's locations:
    the map, its JSON and the country pages alike, whatever the number of activities.
    """
    places = kept.place_rows(scope)
    firsts = {first for *_key, first, _count in places}
    # The first location of each place: of its first activity, the first one rounding to it.
    named: dict[tuple[int, Decimal, Decimal], dict] = {}
    for activity_id, latitude, longitude, name, country in (
        Location.objects.filter(
            activity_id__in=firsts, latitude__isnull=False, longitude__isnull=False
        )
        .order_by("activity_id", "sort_order", "pk")
        .values_list("activity_id", "latitude", "longitude", "name", "country")
    ):
        named.setdefault(
            (activity_id, *place_key(latitude, longitude)), {"name": name, "country": country}
        )
    single_ids = [first for *_key, first, count in places if count == 1]
    singles = (
        Activity.objects.only("id", "title", "slug", "reporting_org_id")
        .order_by()
        .in_bulk(single_ids)
    )
    points = []
    for latitude, longitude, first, count in places:
        # A location deleted since the rows were kept marks them out of date (read afresh).
        place = named.get((first, latitude, longitude), {"name": {}, "country": ""})
        single = singles.get(first) if count == 1 else None
        points.append(MapPoint(latitude, longitude, place["name"], place["country"], count, single))
    points.sort(key=lambda p: (-p.count, p.latitude, p.longitude))
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
                "activities": point.count,
            }
            for point in points
        ],
    }
