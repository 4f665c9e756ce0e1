"""A fictional authority generated once per test module, helpers to read figure pages, and the
map's points worked out from the locations themselves (what the kept ones must equal)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.db import transaction

from opencoop.activities.disclosure import with_exact_places
from opencoop.activities.models import Location
from opencoop.demo.generator import authority_spec, generate
from opencoop.organisations.models import Organisation
from opencoop.stats.figures import place_key

SEED = 7
ACTIVITIES = 45


@pytest.fixture(scope="module")
def fictional(django_db_setup, django_db_blocker) -> Iterator[Organisation]:
    """Generate "Comune di Esempio" with its pages; roll it back after the module's tests.

    Its pages are on the demo's site beside Florence's, which the tests using this show every
    authority (``every_authority``): the figures, not the sites, are tested here.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        generate(activities=ACTIVITIES, seed=SEED, index=False, on_default_site=True)
        yield Organisation.objects.get(identifier=authority_spec(0).identifier)
        transaction.set_rollback(True)


def parse_number(text: str, lang: str) -> Decimal:
    """Read a number as the page writes it in ``lang`` ("1.234,50" in Italian)."""
    group, decimal = (".", ",") if lang == "it" else (",", ".")
    return Decimal(text.strip().replace(group, "").replace(decimal, "."))


def page_tables(html: bytes) -> dict[str, dict]:
    """Return each figure table of a page: its headers, rows and CSV link, by figure slug."""
    soup = BeautifulSoup(html, "html.parser")
    tables = {}
    for table in soup.select("table[data-figure]"):
        section = table.find_parent("section")
        link = section.find("a", href=lambda href: href and "/csv/" in href)
        rows = table.select("tbody tr") + table.select("tfoot tr")
        tables[table["data-figure"]] = {
            "headers": [th.get_text(strip=True) for th in table.select("thead th")],
            "rows": [
                (
                    tr["data-code"],
                    tr.find("th").get_text(strip=True),
                    [td.get_text(strip=True) for td in tr.find_all("td")],
                )
                for tr in rows
            ],
            "csv": link["href"] if link else None,
            "section": section,
        }
    return tables


def parse_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


def points_from_the_locations(scope) -> list[tuple]:
    """Return the map's points of ``scope`` worked out from its activities' locations, in its order.

    (latitude, longitude, name, country, activities, the activity's id when alone): a point is
    the rounded coordinates of the exact locations of public activities that show them, named by
    the first location of its lowest activity.
    """
    places: dict[tuple, tuple[Location, set]] = {}
    for location in Location.objects.filter(
        activity__in=with_exact_places(scope.activities()),
        latitude__isnull=False,
        longitude__isnull=False,
    ).order_by("activity_id", "sort_order", "pk"):
        key = place_key(location.latitude, location.longitude)
        places.setdefault(key, (location, set()))[1].add(location.activity_id)
    points = [
        (*key, first.name, first.country, len(ids), first.activity_id if len(ids) == 1 else None)
        for key, (first, ids) in places.items()
    ]
    return sorted(points, key=lambda p: (-p[4], p[0], p[1]))


def point_rows(points) -> list[tuple]:
    """Return ``map_points``' points in ``points_from_the_locations``' shape."""
    return [
        (p.latitude, p.longitude, p.name, p.country, p.count, p.single.pk if p.single else None)
        for p in points
    ]
