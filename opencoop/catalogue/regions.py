"""Continents (UN M49, as CLDR groups territories) derived from recipient countries."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import babel

from opencoop.codelists.registry import resolve_language

CONTINENTS_FILE = Path(__file__).resolve().parent / "data" / "continents.json"


@functools.cache
def continents() -> dict[str, tuple[str, ...]]:
    """Return each continent's M49 code with the country codes it contains."""
    with CONTINENTS_FILE.open(encoding="utf-8") as handle:
        data = json.load(handle)["continents"]
    return {code: tuple(countries) for code, countries in data.items()}


@functools.cache
def continent_of_country() -> dict[str, str]:
    """Map each country code to its continent's M49 code."""
    return {country: code for code, countries in continents().items() for country in countries}


def continent_label(code: str, lang: str | None = None) -> str:
    """Return the continent's name in ``lang`` (CLDR names: "Americhe", "Americas")."""
    return babel.Locale(resolve_language(lang)).territories.get(code, code)
