"""What a visitor asked the catalogue for: parsed from the address, checked, and written back.

Every catalogue parameter is declared once (``PARAMETERS``): the page, the downloads, the feeds
and the API read a query with ``parse_query`` alone and differ only in what they do with a value
not understood. The page leaves it out and says so beside the results; a file, a feed or an API
answer has nowhere to say it, so those refuse the query (``FilterError``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opencoop.codelists import registry
from opencoop.core.multilingual import portal_languages

from .regions import continents

MAX_QUERY_LENGTH = 200
MAX_VALUES = 50
YEARS = range(1950, 2101)
MAX_ID = 2**63 - 1
SLUG_PATTERN = r"^[-a-z0-9_]{1,100}$"
SLUG_RE = re.compile(SLUG_PATTERN)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"  # the same rule, as a pattern for the API

# The kinds of record the catalogue lists (its rows' ``kind``), in the facet's order.
KINDS = {
    "activity": gettext_lazy("Projects"),
    "initiative": gettext_lazy("Initiatives"),
    "exchange": gettext_lazy("Seminars and exchanges"),
}

SORTS: dict[str, Promise] = {
    "relevance": gettext_lazy("Relevance"),
    "title": gettext_lazy("Title"),
    "-start": gettext_lazy("Start date, newest first"),
    "start": gettext_lazy("Start date, oldest first"),
    "-end": gettext_lazy("End date, latest first"),
    "end": gettext_lazy("End date, earliest first"),
}


# The declaration -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    """One multi-valued catalogue parameter (a facet): its name, label and accepted values.

    ``parse`` gives the clean value of one raw value, or None when it is not valid; ``item``
    gives the JSON schema of one value, for the API's description.
    """

    name: str
    label: Promise
    description: str
    parse: Callable[[str], object | None]
    item: Callable[[], dict]


def _codelist(name: str, *, upper: bool = False) -> tuple[Callable, Callable]:
    def parse(value: str) -> str | None:
        value = value.upper() if upper else value
        return value if registry.get(name).is_valid(value) else None

    return parse, lambda: {"type": "string", "enum": list(registry.get(name).items)}


def _choices(choices: Callable[[], Iterable[str]]) -> tuple[Callable, Callable]:
    return (
        lambda value: value if value in choices() else None,
        lambda: {"type": "string", "enum": list(choices())},
    )


def _integers(values: range) -> tuple[Callable, Callable]:
    return (
        lambda value: int(value) if value.isdigit() and int(value) in values else None,
        lambda: {"type": "integer", "minimum": values.start, "maximum": values.stop - 1},
    )


_SLUG = (
    lambda value: value if SLUG_RE.match(value) else None,
    lambda: {"type": "string", "pattern": SLUG_PATTERN},
)


def _filter(name: str, label: Promise, description: str, rule: tuple[Callable, Callable]) -> Filter:
    return Filter(name, label, description, *rule)


# The facets in the order the page shows them; their GET names are part of the public address
# (the map links to ?country=XX; the downloads, the feeds and the API take the same names).
FILTERS: dict[str, Filter] = {
    f.name: f
    for f in (
        _filter(
            "kind",
            gettext_lazy("Kind"),
            "Kind of record: activity, initiative or exchange (downloads, feeds and the "
            "activities API hold activities only).",
            _choices(lambda: KINDS),
        ),
        _filter(
            "status", gettext_lazy("Status"), "ActivityStatus code.", _codelist("ActivityStatus")
        ),
        _filter(
            "year", gettext_lazy("Active in"), "Active in this calendar year.", _integers(YEARS)
        ),
        _filter(
            "region",
            gettext_lazy("Continent"),
            "Continent (UN M49 code) of a recipient country.",
            _choices(continents),
        ),
        _filter(
            "country",
            gettext_lazy("Country"),
            "Recipient country (ISO 3166-1 alpha-2).",
            _codelist("Country", upper=True),
        ),
        _filter(
            "sector_group",
            gettext_lazy("Sector group"),
            "OECD DAC sector category (3 digits).",
            _codelist("SectorCategory"),
        ),
        _filter(
            "sector",
            gettext_lazy("Sector"),
            "OECD DAC purpose code (5 digits).",
            _codelist("Sector"),
        ),
        _filter(
            "sdg",
            gettext_lazy("Sustainable Development Goal"),
            "Sustainable Development Goal.",
            _codelist("UNSDG-Goals"),
        ),
        _filter(
            "sdg_target", gettext_lazy("SDG target"), "SDG target.", _codelist("UNSDG-Targets")
        ),
        _filter(
            "marker",
            gettext_lazy("Policy marker"),
            "Policy marker with a significance other than 0.",
            _codelist("PolicyMarker"),
        ),
        _filter(
            "partner",
            gettext_lazy("Partner organisation"),
            "Slug of a partner organisation named in the activity.",
            _SLUG,
        ),
        _filter(
            "partnership",
            gettext_lazy("Partnership"),
            "Id of a partnership.",
            _integers(range(1, MAX_ID)),
        ),
        _filter(
            "org", gettext_lazy("Reporting authority"), "Slug of the reporting authority.", _SLUG
        ),
    )
}
FACET_LABELS: dict[str, Promise] = {name: f.label for name, f in FILTERS.items()}

# The single-valued parameters beside the facets (documented in the API's description too).
SINGLE_PARAMETERS: dict[str, str] = {
    "q": "Search words, as in the catalogue's search box.",
    "sort": "Order: relevance (with q), title, start, -start (default), end or -end.",
    "page": "Page number, from 1.",
    "cursor": "Keyset page (API): empty for the first page, then the `next_cursor` of the page "
    "before; `page` is then not read. Each page costs the same however far it is.",
}

# The page alone, not a filter: ``all=<facet>`` lists every value of that facet, where the page
# otherwise lists its first FACET_LISTED (``presentation.collapse``).
LIST_ALL = "all"

# The GET parameters of a catalogue query (the page, the API, the downloads and the feeds).
QUERY_PARAMETERS: tuple[str, ...] = ("q", *FILTERS, "sort", "page")
# Those the catalogue page reads (the page cache keys on these only).
PAGE_PARAMETERS: tuple[str, ...] = (*QUERY_PARAMETERS, LIST_ALL)


def listed_in_full(data: Mapping) -> str | None:
    """Return the facet whose values the page lists in full (``all=``), None when none or unknown."""
    value = _last(_getlist(data), LIST_ALL)
    return value if value in FILTERS else None


# Problems --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A value not understood: the parameter, the value, what is wrong, and what the page did."""

    param: str
    value: str
    message: str  # for outputs that refuse the query
    page_message: str  # for the page, which leaves the value out and goes on


class FilterError(Exception):
    """A query the downloads, feeds and API refuse, with one problem per value not understood."""

    def __init__(self, problems: list[Problem], lang: str) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems
        self.lang = lang  # the language of the messages

    @property
    def messages(self) -> list[str]:
        return [problem.message for problem in self.problems]


def _unknown(param: str, raw: str) -> Problem:
    values = {"filter": FACET_LABELS[param], "param": param, "value": raw[:60]}
    return Problem(
        param,
        raw,
        _("Filter “%(filter)s” (%(param)s): “%(value)s” is not a known value.") % values,
        _("Filter “%(filter)s” (%(param)s): “%(value)s” is not a known value, so it was ignored.")
        % values,
    )


def invalid_value_message(param: str, value: str) -> str:
    """Say which filter value was not understood and that the page left it out."""
    return _unknown(param, value).page_message


# The parser ------------------------------------------------------------------------------------


def _getlist(data: Mapping) -> Callable[[str], list[str]]:
    if hasattr(data, "getlist"):
        return data.getlist

    def getlist(key: str) -> list[str]:
        value = data.get(key)
        if value is None:
            return []
        if isinstance(value, list | tuple):
            return [str(item) for item in value]
        return [str(value)]

    return getlist


def _last(getlist: Callable[[str], list[str]], key: str) -> str:
    return ((getlist(key) or [""])[-1] or "").strip()


def parse_language(
    data: Mapping, *, languages: Sequence[str] | None = None
) -> tuple[str, list[Problem]]:
    """Return the language asked with ``lang`` (the first offered when absent or not valid).

    ``languages``: those of the site asked (``opencoop.core.sites.site_languages``); None, every
    portal language. An empty ``lang=`` is asked and not valid, as the API's description says
    (an enum).
    """
    getlist = _getlist(data)
    offered = list(languages) if languages else portal_languages()
    default = offered[0]
    lang = _last(getlist, "lang") if getlist("lang") else default
    if lang in offered:
        return lang, []
    values = {"value": lang[:20], "languages": ", ".join(offered)}
    if languages is not None and lang in portal_languages():
        # A language of the portal that this site does not offer.
        message = _(
            "Language “%(value)s” (lang): not a language of this site; use one of: %(languages)s."
        )
    else:
        message = _(
            "Language “%(value)s” (lang): not a language of the portal; use one of: %(languages)s."
        )
    message = str(message % values)
    return default, [Problem("lang", lang, message, message)]


def _parse_q(getlist) -> tuple[str, list[Problem]]:
    q = " ".join(((getlist("q") or [""])[-1] or "").split())
    problems = []
    if CONTROL_CHARACTERS.search(q):
        # PostgreSQL cannot take a NUL in a query, and no word holds control characters.
        message = str(_("Search words (q): control characters are not allowed."))
        page_message = str(_("Search words (q): control characters were left out."))
        problems.append(Problem("q", q, message, page_message))
        q = " ".join(CONTROL_CHARACTERS.sub(" ", q).split())
    if len(q) > MAX_QUERY_LENGTH:
        limit = {"max": MAX_QUERY_LENGTH}
        problems.append(
            Problem(
                "q",
                q,
                str(_("Search words (q): at most %(max)d characters.") % limit),
                str(_("Search words: only the first %(max)d characters were used.") % limit),
            )
        )
        q = q[:MAX_QUERY_LENGTH]
    return q, problems


def _parse_values(spec: Filter, getlist) -> tuple[tuple, list[Problem]]:
    clean: list = []
    problems = []
    # Values as sent, repeats and empty ones included: the limit is on what is sent, as the
    # API's description says (maxItems counts every item).
    given = 0
    for raw in getlist(spec.name):
        given += 1
        raw = (raw or "").strip()
        if not raw:
            continue
        value = spec.parse(raw)
        if value is None:
            problems.append(_unknown(spec.name, raw))
        elif value not in clean:
            clean.append(value)
    if given > MAX_VALUES:
        problems.append(
            Problem(
                spec.name,
                "",
                str(
                    _("Filter “%(filter)s” (%(param)s): at most %(max)d values.")
                    % {"filter": spec.label, "param": spec.name, "max": MAX_VALUES}
                ),
                str(
                    _("Filter “%(filter)s”: at most %(max)d values; the rest were ignored.")
                    % {"filter": spec.label, "max": MAX_VALUES}
                ),
            )
        )
        clean = clean[:MAX_VALUES]
    return tuple(clean), problems


def _parse_sort(getlist, q: str) -> tuple[str, list[Problem]]:
    sort = _last(getlist, "sort")
    if not sort or sort in SORTS:
        # Relevance without words is the default order: nothing to say.
        return ("" if sort == "relevance" and not q else sort), []
    return "", [
        Problem(
            "sort",
            sort,
            str(
                _("Sort order (sort): “%(value)s” is not known; use one of: %(sorts)s.")
                % {"value": sort[:60], "sorts": ", ".join(SORTS)}
            ),
            str(
                _("Sort order “%(value)s” is not known: the default order was used.")
                % {"value": sort[:60]}
            ),
        )
    ]


def _parse_page(getlist) -> tuple[int, list[Problem]]:
    raw = _last(getlist, "page") or "1"
    if raw.isdigit() and 0 < int(raw) <= MAX_ID:
        return int(raw), []
    return 1, [
        Problem(
            "page",
            raw,
            str(_("Page (page): “%(value)s” is not a page number.") % {"value": raw[:20]}),
            str(
                _("Page “%(value)s” is not a page number: the first page is shown.")
                % {"value": raw[:20]}
            ),
        )
    ]


def parse_query(data: Mapping, *, paged: bool = True) -> tuple[CatalogueFilters, list[Problem]]:
    """Read the catalogue's parameters from ``data``: the filters that are valid, and problems.

    ``data`` is a QueryDict or a mapping of names to a value or a list of values. Without
    ``paged`` (files and feeds hold every page) ``page`` is not read.
    """
    getlist = _getlist(data)
    q, problems = _parse_q(getlist)
    values: dict = {"q": q}
    for name, spec in FILTERS.items():
        values[name], found = _parse_values(spec, getlist)
        problems += found
    values["sort"], found = _parse_sort(getlist, q)
    problems += found
    if paged:
        values["page"], found = _parse_page(getlist)
        problems += found
    filters = CatalogueFilters(**values, messages=tuple(p.page_message for p in problems))
    return filters, problems


@dataclass(frozen=True)
class OutputQuery:
    """What a download, feed or API request asks: its language and its filters."""

    lang: str
    filters: CatalogueFilters


def parse_output_query(
    data: Mapping,
    *,
    paged: bool = False,
    within: frozenset[int] | None = None,
    languages: Sequence[str] | None = None,
) -> OutputQuery:
    """Read ``lang`` and the filters for an output that refuses what it does not understand.

    Messages are in the language asked, else in the default language; raise FilterError naming
    every parameter and value not understood. ``within``: the site's authorities (None: all);
    ``languages``: the site's languages (None: the portal's).
    """
    lang, problems = parse_language(data, languages=languages)
    with translation.override(lang):
        filters, found = parse_query(data, paged=paged)
    if problems or found:
        raise FilterError(problems + found, lang)
    return OutputQuery(lang, replace(filters, within=within))


# The state -------------------------------------------------------------------------------------


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
    # The authorities of the site asked (``opencoop.core.sites``), None for every one: not a
    # GET parameter, the site decides it.
    within: frozenset[int] | None = None

    @classmethod
    def from_querydict(cls, data: Mapping) -> CatalogueFilters:
        """Parse GET parameters as the page does: what is not valid is left out, with a message."""
        return parse_query(data)[0]

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
        for param in FILTERS:
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
