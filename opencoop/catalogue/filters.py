"""What a visitor asked the catalogue for: parsed from the address, checked, and written back."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from urllib.parse import urlencode

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from opencoop.codelists import registry

from .regions import continents

MAX_QUERY_LENGTH = 200
MAX_VALUES = 50
YEARS = range(1950, 2101)
SLUG_RE = re.compile(r"^[-a-z0-9_]{1,100}$")

KINDS = {"activity": _("Projects")}

# The facets in the order the page shows them; their GET names are part of the public address
# (the map links to ?country=XX; the downloads and the API take the same names).
FACET_LABELS: dict[str, Promise] = {
    "kind": _("Kind"),
    "status": _("Status"),
    "year": _("Active in"),
    "region": _("Continent"),
    "country": _("Country"),
    "sector_group": _("Sector group"),
    "sector": _("Sector"),
    "sdg": _("Sustainable Development Goal"),
    "sdg_target": _("SDG target"),
    "marker": _("Policy marker"),
    "partner": _("Partner organisation"),
    "partnership": _("Partnership"),
    "org": _("Reporting authority"),
}

SORTS: dict[str, Promise] = {
    "relevance": _("Relevance"),
    "title": _("Title"),
    "-start": _("Start date, newest first"),
    "start": _("Start date, oldest first"),
    "-end": _("End date, latest first"),
    "end": _("End date, earliest first"),
}


def _in_codelist(name: str):
    return lambda value: value if registry.get(name).is_valid(value) else None


def _upper_in_codelist(name: str):
    return lambda value: value.upper() if registry.get(name).is_valid(value.upper()) else None


def _year(value: str) -> int | None:
    return int(value) if value.isdigit() and int(value) in YEARS else None


def _positive_int(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) < 2**63 else None


def _slug(value: str) -> str | None:
    return value if SLUG_RE.match(value) else None


# Each facet's parser: the clean value, or None when the value is not valid.
PARSERS = {
    "kind": lambda value: value if value in KINDS else None,
    "status": _in_codelist("ActivityStatus"),
    "year": _year,
    "region": lambda value: value if value in continents() else None,
    "country": _upper_in_codelist("Country"),
    "sector_group": _in_codelist("SectorCategory"),
    "sector": _in_codelist("Sector"),
    "sdg": _in_codelist("UNSDG-Goals"),
    "sdg_target": _in_codelist("UNSDG-Targets"),
    "marker": _in_codelist("PolicyMarker"),
    "partner": _slug,
    "partnership": _positive_int,
    "org": _slug,
}


def invalid_value_message(param: str, value: str) -> str:
    """Say which filter value was not understood and that it was left out."""
    return str(
        _("Filter “%(filter)s” (%(param)s): “%(value)s” is not a known value, so it was ignored.")
        % {"filter": FACET_LABELS[param], "param": param, "value": value[:60]}
    )


@dataclass(frozen=True)
class CatalogueFilters:
    """The whole state of a catalogue search; every field maps to one GET parameter."""

    q: str = ""
    kind: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    year: tuple[int, ...] = ()
    region: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    sector_group: tuple[str, ...] = ()
    sector: tuple[str, ...] = ()
    sdg: tuple[str, ...] = ()
    sdg_target: tuple[str, ...] = ()
    marker: tuple[str, ...] = ()
    partner: tuple[str, ...] = ()
    partnership: tuple[int, ...] = ()
    org: tuple[str, ...] = ()
    sort: str = ""
    page: int = 1
    messages: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_querydict(cls, data: Mapping) -> CatalogueFilters:
        """Parse GET parameters; drop what is not valid with a message saying what and where."""
        getlist = data.getlist if hasattr(data, "getlist") else lambda key: _as_list(data.get(key))
        messages: list[str] = []
        values: dict = {}
        q = " ".join((getlist("q") or [""])[-1].split())
        if len(q) > MAX_QUERY_LENGTH:
            messages.append(
                str(
                    _("Search words: only the first %(max)d characters were used.")
                    % {"max": MAX_QUERY_LENGTH}
                )
            )
            q = q[:MAX_QUERY_LENGTH]
        values["q"] = q
        for param, parse in PARSERS.items():
            clean: list = []
            for raw in getlist(param):
                raw = raw.strip()
                if not raw:
                    continue
                value = parse(raw)
                if value is None:
                    messages.append(invalid_value_message(param, raw))
                elif value not in clean:
                    clean.append(value)
            if len(clean) > MAX_VALUES:
                messages.append(
                    str(
                        _("Filter “%(filter)s”: at most %(max)d values; the rest were ignored.")
                        % {"filter": FACET_LABELS[param], "max": MAX_VALUES}
                    )
                )
                clean = clean[:MAX_VALUES]
            values[param] = tuple(clean)
        sort = (getlist("sort") or [""])[-1].strip()
        if sort and (sort not in SORTS or (sort == "relevance" and not q)):
            if sort != "relevance":
                messages.append(
                    str(_("Sort order “%(value)s” is not known: the default order was used."))
                    % {"value": sort[:60]}
                )
            sort = ""
        values["sort"] = sort
        raw_page = (getlist("page") or ["1"])[-1].strip() or "1"
        page = _positive_int(raw_page)
        if page is None:
            messages.append(
                str(_("Page “%(value)s” is not a page number: the first page is shown."))
                % {"value": raw_page[:20]}
            )
            page = 1
        values["page"] = page
        return cls(**values, messages=tuple(messages))

    @property
    def effective_sort(self) -> str:
        """Return the sort in force: relevance when searching for words, else newest first."""
        return self.sort or ("relevance" if self.q else "-start")

    def values(self, param: str) -> tuple:
        return getattr(self, param)

    @property
    def active(self) -> list[tuple[str, str]]:
        """Return the active filters as (parameter, value) pairs, search words first."""
        pairs = [("q", self.q)] if self.q else []
        for param in FACET_LABELS:
            pairs.extend((param, str(value)) for value in self.values(param))
        return pairs

    def without(self, param: str, value: str | None = None) -> CatalogueFilters:
        """Return these filters less one value (or the whole parameter), back on page 1."""
        if param == "q":
            return replace(self, q="", sort="" if self.sort == "relevance" else self.sort, page=1)
        kept = tuple(v for v in self.values(param) if value is not None and str(v) != value)
        return replace(self, page=1, **{param: kept})

    def with_page(self, page: int) -> CatalogueFilters:
        return replace(self, page=page)

    def query_pairs(self) -> list[tuple[str, str]]:
        """Return the GET parameters that reproduce this state, in a stable order."""
        pairs = self.active
        if self.sort:
            pairs.append(("sort", self.sort))
        if self.page > 1:
            pairs.append(("page", str(self.page)))
        return pairs

    def querystring(self) -> str:
        """Return "?…" for these filters ("?" alone when there is none)."""
        return "?" + urlencode(self.query_pairs())


# The GET parameters the catalogue reads, one per field (the page cache keys on these only).
QUERY_PARAMETERS: tuple[str, ...] = tuple(
    f.name for f in fields(CatalogueFilters) if f.name != "messages"
)


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [str(value)]
