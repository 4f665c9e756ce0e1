"""Places of the partner countries, looked up by name for the admin's location picker.

The list is GeoNames' cities15000 (every place of 15,000 people or more) cut to the partner
countries and shipped as ``data/places.tsv`` (built by ``scripts/build_gazetteer.py``), so
placing a project needs no outside service. Names are GeoNames' (mostly the local Latin-script
name); the country is named in the active language.
"""

from __future__ import annotations

import csv
import functools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from opencoop.codelists import registry

PLACES_FILE = Path(__file__).resolve().parent / "data" / "places.tsv"
# OECD DAC members (the donors; the EU is a member too but not a country): every other country
# is a partner country whose places the gazetteer holds.
DONOR_COUNTRIES = frozenset(
    "AT AU BE CA CH CZ DE DK EE ES FI FR GB GR HU IE IS IT JP KR LT LU NL NO NZ PL PT SE SI SK US".split()
)
LIMIT = 12


@dataclass(frozen=True)
class Place:
    geonameid: int
    name: str
    country: str  # ISO 3166-1 alpha-2
    latitude: float
    longitude: float
    population: int

    @property
    def country_name(self) -> str:
        """Return the country's name in the active language."""
        return registry.get("Country").label(self.country) or self.country

    @property
    def label(self) -> str:
        """Return "Kolda (Senegal)", the country in the active language."""
        return f"{self.name} ({self.country_name})"


def fold(value: str) -> str:
    """Return ``value`` without accents, case-folded: "Thiès" and "thies" match."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


@functools.cache
def places() -> tuple[tuple[str, Place], ...]:
    """Load the shipped places once per process, each with its folded name."""
    with PLACES_FILE.open(encoding="utf-8", newline="") as source:
        rows = csv.DictReader(
            (line for line in source if not line.startswith("#")),
            delimiter="\t",
            quoting=csv.QUOTE_NONE,
        )
        return tuple(
            (
                fold(row["name"]),
                Place(
                    int(row["geonameid"]),
                    row["name"],
                    row["country"],
                    float(row["latitude"]),
                    float(row["longitude"]),
                    int(row["population"]),
                ),
            )
            for row in rows
        )


def search(query: str, *, countries: Iterable[str] = (), limit: int = LIMIT) -> list[Place]:
    """Return up to ``limit`` places whose name holds ``query``, in ``countries`` if given.

    Names that start with the query come first, then the others; within each, the larger
    places first (the editor typing "San" in El Salvador wants San Salvador before San Luis).
    """
    wanted = fold(query)
    if not wanted:
        return []
    only = {code.upper() for code in countries if code}
    starts: list[Place] = []
    holds: list[Place] = []
    for name, place in places():
        if only and place.country not in only:
            continue
        if name.startswith(wanted):
            starts.append(place)
        elif wanted in name:
            holds.append(place)
    by_size = functools.partial(sorted, key=lambda place: (-place.population, place.name))
    return [*by_size(starts), *by_size(holds)][:limit]
