"""Reads of the catalogue: filtered records, facet counts, pages and record addresses.

Free of requests and templates: the catalogue page, the open-data downloads and the API call the
same functions with the same ``CatalogueFilters``, so their figures cannot disagree.

Everything is read from the catalogue's rows (``CatalogueRow``, one per published activity,
initiative and exchange, kept by ``rows``): a filter is a condition on a row's column or facet
array, a facet count groups the arrays of the matching rows, a page is read in the order of an
index, and a word search matches the words of the rows' search documents (``CatalogueWord``,
read through its key) with no cap on the number of matches. A word search with many matches
counts its facets and total in a sample of them (``sample_step``), and the page says so.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import functools
import json
import math
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    TextField,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Locale, Site
from wagtail.search.backends import get_search_backend

from opencoop.access import policy
from opencoop.activities.disclosure import public_activities
from opencoop.activities.models import Activity
from opencoop.activities.part_rows import load_parts
from opencoop.activities.parts import part
from opencoop.codelists import registry
from opencoop.core.multilingual import text
from opencoop.core.queries import among_ids
from opencoop.exchanges.models import Exchange
from opencoop.initiatives.models import Initiative
from opencoop.operations.replicas import read_connection
from opencoop.organisations.models import Organisation
from opencoop.partnerships.models import Partnership

from .filters import FACET_LABELS, KINDS, CatalogueFilters
from .indexing import build_query, did_you_mean, query_readings
from .regions import continent_label
from .row_models import (
    PAIRED_FACETS,
    TITLE_WEIGHT,
    CatalogueCount,
    CataloguePairCount,
    CatalogueRow,
    CatalogueWord,
)
from .rows import KIND_OF_MODEL, fold, refresh_stale


def search_ids(model_queryset: QuerySet, q: str) -> list[int] | None:
    """Return the ids of every record matching ``q`` in the search index, most relevant first.

    None: no words in ``q``. The site search reads pages, plans, partnerships and documents
    this way (activities, initiatives and exchanges from the catalogue's words:
    ``ranked_matches``). When the words as typed (with synonyms and other names of places) find
    nothing, they are searched again with their misspelt words corrected (``did_you_mean``).
    """
    query = build_query(q)
    if query is None:
        return None
    ids = _matching_ids(model_queryset, query)
    if not ids and did_you_mean(q):
        ids = _matching_ids(model_queryset, build_query(q, correct=True))
    return ids


def _matching_ids(model_queryset: QuerySet, query) -> list[int]:
    results = get_search_backend().search(
        query, model_queryset.order_by().only("pk"), order_by_relevance=True
    )
    get_queryset = getattr(results, "get_queryset", None)
    if get_queryset is not None:
        # PostgreSQL: read the ids alone; the records would carry each match's text vector.
        return list(get_queryset().values_list("pk", flat=True))
    return [obj.pk for obj in results]


# The rows the public may see -----------------------------------------------------------------


def public_rows(today: datetime.date | None = None) -> QuerySet[CatalogueRow]:
    """Return the rows of the records the public may see on ``today``.

    A row exists for each published record and keeps the day the access policy makes it public
    (``policy.public_from``): an embargo that ends shows the record from that day on. Rows
    of records changed outside publication are hidden until written again: the entry points
    (``catalogue``, ``select_catalogue``…) call ``rows.refresh_stale`` first (one indexed query
    when there are none).
    """
    return CatalogueRow.objects.filter(public_from__lte=today or timezone.localdate(), stale=False)


# Words ---------------------------------------------------------------------------------------


def _folded(readings: list[list[str]]) -> list[list[str]]:
    unique: list[list[str]] = []
    for reading in readings:
        folded = list(dict.fromkeys(fold(word) for word in reading))
        if folded not in unique:
            unique.append(folded)
    return unique


def search_readings(
    filters: CatalogueFilters, today: datetime.date | None = None
) -> list[list[str]] | None:
    """Return the readings of the search words to match documents with (None: no words).

    When the words as typed (with synonyms and other names of places) match no public record,
    their misspelt words are corrected (``did_you_mean``): a word missing from the vocabulary
    but present in a record never widens the results.
    """
    if not filters.q:
        return None
    readings = _folded(query_readings(filters.q))
    if not readings:
        return None
    if did_you_mean(filters.q):
        scope = _scoped(public_rows(today), filters)
        if not scope.filter(word_matches(readings)).exists():
            readings = _folded(query_readings(filters.q, correct=True))
    return readings


def _words(readings: list[list[str]]) -> list[str]:
    return list(dict.fromkeys(word for reading in readings for word in reading))


def word_matches(readings: list[list[str]], *, step: int = 1) -> Q:
    """Keep the rows holding every word of at least one reading of a query.

    Read from the words' key (``CatalogueWord``) in one pass: the rows holding any word of the
    query, each word a range of the key, grouped by row and kept when they hold all the words of
    some reading (readings repeat words: "water women" is read ten ways, over five words). Every
    match is kept: nothing caps their number. ``step`` > 1 keeps one match in ``step``, chosen
    by a hash of the row's id (``sample_step``), before any row is read.
    """
    readings = [list(dict.fromkeys(reading)) for reading in readings if reading]
    if not readings:
        return Q(pk__in=[])
    table = CatalogueWord._meta.db_table
    words = _words(readings)
    sample, sample_params = "", []
    if step > 1:
        # A hash, not the id itself: ids follow the order of imports, an authority's in a run.
        hashed = "hashint8(w.row_id)" if read_connection().vendor == "postgresql" else "w.row_id"
        sample, sample_params = f" AND {hashed} %% %s = 0", [step]
    if all(len(reading) == 1 for reading in readings):
        marks = ", ".join(["%s"] * len(words))
        sql = f"SELECT w.row_id FROM {table} w WHERE w.word IN ({marks}){sample}"
        return Q(pk__in=RawSQL(sql, [*words, *sample_params]))
    if len(words) > WORDS_IN_A_MASK:
        return _matches_by_word(readings, table, sample, sample_params)
    # Each word a bit: a row's words sum to the bits it holds (a word is in a row once), and a
    # reading is held when all its bits are. One sum a row, where asking each reading's words
    # one by one took 58 aggregates a row for "water women" (23 words, 29 readings): 162 ms
    # at 100,000 activities, against 40 ms this way.
    bit = {word: 1 << number for number, word in enumerate(words)}
    chosen = " UNION ALL ".join(["SELECT %s AS word, %s AS bit"] * len(words))
    masks = [sum(bit[word] for word in reading) for reading in readings]
    held = " OR ".join(["(CAST(SUM(v.bit) AS BIGINT) & %s) = %s"] * len(masks))
    sql = (
        f"SELECT w.row_id FROM {table} w JOIN ({chosen}) v ON v.word = w.word "
        f"WHERE TRUE{sample} GROUP BY w.row_id HAVING {held}"
    )
    params = [value for word in words for value in (word, bit[word])]
    params += [*sample_params, *(value for mask in masks for value in (mask, mask))]
    return Q(pk__in=RawSQL(sql, params))


# Words a match's bits can name (``word_matches``): a signed 64-bit sum.
WORDS_IN_A_MASK = 62


def _matches_by_word(readings: list[list[str]], table: str, sample: str, sample_params: list) -> Q:
    """Keep the rows holding every word of a reading, each reading's words asked one by one."""
    words = _words(readings)
    marks = ", ".join(["%s"] * len(words))
    held = "MAX(CASE WHEN w.word = %s THEN 1 ELSE 0 END) = 1"
    conditions = [" AND ".join([held] * len(reading)) for reading in readings]
    sql = (
        f"SELECT w.row_id FROM {table} w WHERE w.word IN ({marks}){sample} "
        "GROUP BY w.row_id HAVING " + " OR ".join(f"({c})" for c in conditions)
    )
    params = [*words, *sample_params, *(word for reading in readings for word in reading)]
    return Q(pk__in=RawSQL(sql, params))


# A word search whose words have more entries than this in the words' key counts its facets
# and total in a sample of its matches (``sample_step``): the rows read for the counts then
# stay about this many entries' worth (a row holds 3-4 of a common word's forms), however many
# records match. At most this many, the counts are exact. At 100,000 activities, 5,000 counted
# in 15-40 ms with totals up to 25 % off; 10,000 in 36-63 ms, 9 % off at most; 20,000 in
# 37-80 ms, 7 % (four common words, each with a country).
SAMPLED_ABOVE = 10_000
# Fewer rows in a sample than this are too few to estimate from (``_count_all``).
SAMPLE_AT_LEAST = 250


def sample_step(readings: list[list[str]]) -> int:
    """Return 1 in how many matches of ``readings`` to count (1: all of them, exact counts).

    From the number of the words' entries in their key (an index range, no row read): an upper
    bound of the matches, so a search that holds several words may sample more than it needs
    (``_count_all`` then counts exactly when the sample shows few matches).
    """
    words = _words(readings)
    if not words:
        return 1
    table = CatalogueWord._meta.db_table
    marks = ", ".join(["%s"] * len(words))
    with read_connection().cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE word IN ({marks})", words)
        entries = cursor.fetchone()[0]
    return 1 if entries <= SAMPLED_ABOVE else math.ceil(entries / SAMPLED_ABOVE)


class Relevance(Func):
    """How well a row matches the readings of a query, most relevant highest.

    How many of the query's words (in any reading) the row's title holds: every match holds
    the words of a reading somewhere, a title is what a record is about. An integer, the same
    on every database (exact in a cursor). Each word is one uncorrelated ``IN`` over the
    title words' own index (``catalogue_word_title``), which PostgreSQL builds once as a hash
    and then probes per row. Asked instead per row (a correlated count over the row's words)
    the first page of "water" in Senegal at 100,000 activities took 80-120 ms, 7,587 counts;
    this way 56-63 ms.
    """

    output_field = IntegerField()

    def __init__(self, readings: list[list[str]]) -> None:
        super().__init__(F("pk"))
        self.words = _words(readings)

    def as_sql(self, compiler, connection, **extra):
        row, params = compiler.compile(self.source_expressions[0])
        if not self.words:
            return "0", []
        table = connection.ops.quote_name(CatalogueWord._meta.db_table)
        held = (
            f"CASE WHEN {row} IN (SELECT row_id FROM {table} WHERE weight = %s AND word = %s) "
            "THEN 1 ELSE 0 END"
        )
        sql = " + ".join([held] * len(self.words))
        return f"({sql})", [p for word in self.words for p in (*params, TITLE_WEIGHT, word)]


def title_matches(readings: list[list[str]]) -> Q:
    """Keep the rows whose title holds a word of ``readings``: those of relevance 1 or more.

    Read from the title words' index, a fraction of all the words' entries. With ``Relevance``
    first in the order, these rows come before every other match: when they fill a page, that
    page is theirs (``_best_page``).
    """
    words = _words(readings)
    if not words:
        return Q(pk__in=[])
    table = CatalogueWord._meta.db_table
    marks = ", ".join(["%s"] * len(words))
    sql = f"SELECT row_id FROM {table} WHERE weight = %s AND word IN ({marks})"
    return Q(pk__in=RawSQL(sql, [TITLE_WEIGHT, *words]))


# Up to this many matches, a search's page is ranked among all of them: a few milliseconds,
# less than asking first whether titles fill it (a query more when they do not).
RANKED_IN_FULL_UP_TO = 1_000


def _best_page(
    filters: CatalogueFilters,
    readings: list[list[str]],
    keys: list[SortKey],
    offset: int,
    size: int,
    total: int,
    today: datetime.date | None,
) -> list[CatalogueRow] | None:
    """Return the rows ``offset``… of the ``total`` matches by relevance, when titles fill them.

    The matches whose title holds a search word rank above all others (``Relevance``), so a
    page they fill is the same page as among all matches, found without ranking every match:
    at 100,000 activities "water" (13 words, 114,236 entries) in Senegal took 24-32 ms this way
    against 56-63 ms over all 7,587 matches. None when they do not fill it: the caller ranks
    all the matches. Only for readings of one word each, where a title holding a word is a
    match: words that must all be held match few rows, ranked faster among all of them
    ("water women": 998 matches). None too for ``RANKED_IN_FULL_UP_TO`` matches or fewer.
    """
    if total <= RANKED_IN_FULL_UP_TO:
        return None
    if not keys or not isinstance(keys[0].expression, Relevance):
        return None
    if any(len(reading) > 1 for reading in readings):
        return None
    rows = _passing(filters, title_matches(readings), None, today)
    found = list(ordered_rows(rows, keys).only("kind", "record_id")[offset : offset + size])
    return found if len(found) == size else None


# Filters -------------------------------------------------------------------------------------


def _organisation_ids(slugs: Iterable[str]) -> list[int]:
    return list(Organisation.objects.filter(slug__in=list(slugs)).values_list("pk", flat=True))


# Without a kind ticked, the catalogue lists projects, as its downloads, feeds and API do; the
# kind facet counts every kind, so initiatives and exchanges are one tick away.
DEFAULT_KINDS = (CatalogueRow.ACTIVITY,)


def listed_kinds(filters: CatalogueFilters) -> tuple[str, ...]:
    """Return the kinds of record the catalogue lists for ``filters``."""
    return filters.kind or DEFAULT_KINDS


ROW_FILTERS: dict[str, Callable[[tuple], Q]] = {
    "status": lambda values: Q(status__in=values),
    "year": lambda values: Q(years__overlap=values),
    "region": lambda values: Q(regions__overlap=values),
    "country": lambda values: Q(countries__overlap=values),
    "sector_group": lambda values: Q(sector_groups__overlap=values),
    "sector": lambda values: Q(sectors__overlap=values),
    "sdg": lambda values: Q(sdgs__overlap=values),
    "sdg_target": lambda values: Q(sdg_targets__overlap=values),
    "marker": lambda values: Q(markers__overlap=values),
    # Partners are kept only where the public may see them named (``rows``).
    "partner": lambda values: Q(partners__overlap=_organisation_ids(values)),
    "partnership": lambda values: Q(
        partnership_id__in=policy.public(Partnership).filter(pk__in=values).values("pk")
    ),
    "org": lambda values: Q(authority__slug__in=values),
}


def _scoped(rows: QuerySet[CatalogueRow], filters: CatalogueFilters) -> QuerySet[CatalogueRow]:
    if filters.within is not None:  # the site's authorities
        rows = rows.filter(authority_id__in=filters.within)
    return rows


def facet_conditions(filters: CatalogueFilters) -> dict[str, Q]:
    """Return the condition of each facet filter in force: the kind, and each one set."""
    conditions = {"kind": Q(kind__in=listed_kinds(filters))}
    for param, condition in ROW_FILTERS.items():
        values = filters.values(param)
        if values:
            conditions[param] = condition(values)
    return conditions


def _passing(
    filters: CatalogueFilters,
    words: Q | None,
    leave_out: str | None,
    today: datetime.date | None,
    *,
    facets: bool = True,
) -> QuerySet[CatalogueRow]:
    """Return the public rows of the site matching ``words`` and the facets (but ``leave_out``).

    ``facets=False``: the search words alone.
    """
    rows = _scoped(public_rows(today), filters)
    if words is not None:
        rows = rows.filter(words)
    for param, condition in facet_conditions(filters).items() if facets else ():
        if param != leave_out:
            rows = rows.filter(condition)
    return rows.order_by()


def filter_rows(
    filters: CatalogueFilters,
    *,
    readings: list[list[str]] | None = None,
    leave_out: str | None = None,
    today: datetime.date | None = None,
) -> QuerySet[CatalogueRow]:
    """Return the public rows that pass every filter (but ``leave_out``), unordered.

    ``readings`` are those of the search words (``search_readings``), None when there are none.
    """
    words = None if readings is None else word_matches(readings)
    return _passing(filters, words, leave_out, today)


def filter_activities(
    filters: CatalogueFilters,
    *,
    ids: list[int] | None = None,
    leave_out: str | None = None,
    today: datetime.date | None = None,
) -> QuerySet[Activity]:
    """Return the public activities that pass every filter (but ``leave_out``), unordered.

    The same rows as the page, activities only; ``ids`` narrows them further.
    """
    refresh_stale()
    rows = filter_rows(
        filters, readings=search_readings(filters, today), leave_out=leave_out, today=today
    ).filter(kind=CatalogueRow.ACTIVITY)
    qs = public_activities(today).filter(pk__in=rows.values("record_id"))
    if ids is not None:
        qs = qs.filter(among_ids("pk", ids))
    return qs.order_by()


# Facets --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    param: str
    label: str
    values: list[FacetValue]


# All facets are counted in one query: the matching rows are selected once, as a common table
# expression, and each facet groups its keys against it. A facet whose own filter is set counts
# against the rows passing the *other* filters: a selection of its own read through the filters'
# indexes (``_count_filtered``), or, with search words, flags on the words' matches read once
# (``_count_searched``).
MATCHING = "catalogue_matching"
CANDIDATES = "catalogue_candidates"
SELECTION_COLUMNS = [
    "id",
    "kind",
    "status",
    "authority_id",
    "partnership_id",
    "years",
    "regions",
    "countries",
    "sector_groups",
    "sectors",
    "sdgs",
    "sdg_targets",
    "markers",
    "partners",
]


def _sql(query: QuerySet | str) -> tuple[str, list]:
    if isinstance(query, str):
        return query, []
    sql, params = query.query.sql_with_params()
    return sql, list(params)


def _keys(column: str) -> Callable[[str, str], str]:
    """Count rows per key of a facet array (unnest on PostgreSQL, json_each elsewhere)."""

    def rows(cte: str, vendor: str) -> str:
        if vendor == "postgresql":
            return (
                f"SELECT k AS facet_key, '' AS facet_extra, COUNT(*) AS n "
                f"FROM {cte}, unnest({cte}.{column}) AS k GROUP BY k"
            )
        return (
            f"SELECT j.value AS facet_key, '' AS facet_extra, COUNT(*) AS n "
            f"FROM {cte}, json_each({cte}.{column}) AS j GROUP BY j.value"
        )

    return rows


def _partners(cte: str, vendor: str) -> str:
    org = Organisation._meta.db_table
    keys = _keys("partners")(cte, vendor)
    return (
        "SELECT o.slug AS facet_key, o.name AS facet_extra, SUM(p.n) AS n "
        f"FROM ({keys}) AS p JOIN {org} o ON CAST(o.id AS TEXT) = p.facet_key "
        "GROUP BY o.id, o.slug, o.name"
    )


def _kind(cte: str, vendor: str) -> str:
    return f"SELECT kind AS facet_key, '' AS facet_extra, COUNT(*) AS n FROM {cte} GROUP BY kind"


def _status(cte: str, vendor: str) -> str:
    return (
        f"SELECT status AS facet_key, '' AS facet_extra, COUNT(*) AS n FROM {cte} "
        "WHERE status <> '' GROUP BY status"
    )


def _authorities(cte: str, vendor: str) -> str:
    org = Organisation._meta.db_table
    return (
        f"SELECT o.slug AS facet_key, o.name AS facet_extra, COUNT(*) AS n FROM {cte} "
        f"JOIN {org} o ON o.id = {cte}.authority_id GROUP BY o.id, o.slug, o.name"
    )


def _partnerships(cte: str, vendor: str) -> tuple[str, list]:
    # Only the partnerships the public may see (the policy's rule, as SQL).
    sql, params = _sql(policy.public(Partnership).order_by().values("id", "title"))
    return (
        f"SELECT p.id AS facet_key, p.title AS facet_extra, COUNT(*) AS n FROM {cte} "
        f"JOIN ({sql}) AS p ON p.id = {cte}.partnership_id GROUP BY p.id, p.title",
        params,
    )


@dataclass(frozen=True)
class FacetSpec:
    """How to count one facet's values and name them.

    ``rows`` gives, for the name of the selection to count in and the database vendor, a query
    (SQL text, or text and parameters) with the columns facet_key, facet_extra and n;
    facet_extra is the name of a value (partners, partnerships, authorities).
    """

    rows: Callable[[str, str], tuple[str, list] | str]
    label: Callable[[str, str], str]
    order: str = "count"  # "count" (most first), "value", "value-desc" or "numeric"


def _codelist_label(name: str) -> Callable[[str, str], str]:
    return lambda code, lang: registry.get(name).label(code, lang)


def _with_code(name: str) -> Callable[[str, str], str]:
    return lambda code, lang: f"{code} – {registry.get(name).label(code, lang)}"


def _named(code: str, lang: str) -> str:
    return code


FACETS: dict[str, FacetSpec] = {
    "kind": FacetSpec(_kind, lambda v, lang: str(KINDS.get(v, v)), order="kind"),
    "status": FacetSpec(_status, _codelist_label("ActivityStatus"), order="numeric"),
    "year": FacetSpec(_keys("years"), lambda v, lang: v, order="value-desc"),
    "region": FacetSpec(_keys("regions"), continent_label),
    "country": FacetSpec(_keys("countries"), _codelist_label("Country")),
    "sector_group": FacetSpec(_keys("sector_groups"), _with_code("SectorCategory")),
    "sector": FacetSpec(_keys("sectors"), _with_code("Sector")),
    "sdg": FacetSpec(_keys("sdgs"), _codelist_label("UNSDG-Goals"), order="numeric"),
    "sdg_target": FacetSpec(_keys("sdg_targets"), _with_code("UNSDG-Targets")),
    "marker": FacetSpec(_keys("markers"), _codelist_label("PolicyMarker")),
    # Partner, partnership and authority names come with the counts (facet_extra).
    "partner": FacetSpec(_partners, _named),
    "partnership": FacetSpec(_partnerships, _named),
    "org": FacetSpec(_authorities, _named),
}
NAMED = ("partner", "partnership", "org")


# The filters the kept counts (``CatalogueCount``) answer: they are kept per kind and authority.
KEPT_FILTERS = frozenset({"kind", "org"})


def counts_are_kept(filters: CatalogueFilters, readings: list[list[str]] | None) -> bool:
    """Say whether the kept counts answer ``filters`` (no words, no filter but kind and org)."""
    return readings is None and not any(
        filters.values(param) for param in FACETS if param not in KEPT_FILTERS
    )


def kept_given(
    filters: CatalogueFilters, readings: list[list[str]] | None, *, leave_out: str | None = None
) -> tuple[str, str] | None:
    """Return the one code ticked, (facet, key), when the pair counts answer ``filters``.

    They do when it is the only filter but kind and org (``leave_out`` aside, for the facet
    counted among the rows passing the others), of one of ``PAIRED_FACETS``, with one value.
    """
    if readings is not None:
        return None
    ticked = [
        param
        for param in FACETS
        if param not in KEPT_FILTERS and param != leave_out and filters.values(param)
    ]
    if len(ticked) != 1 or ticked[0] not in PAIRED_FACETS:
        return None
    values = filters.values(ticked[0])
    return (ticked[0], str(values[0])) if len(values) == 1 else None


def _kept_scope(
    connection, filters: CatalogueFilters, today: datetime.date | None
) -> tuple[list[str], list]:
    """Return the conditions on kept counts of the site's authorities and today's embargoes."""
    scope = ["public_from <= %s"]
    params: list = [connection.ops.adapt_datefield_value(today or timezone.localdate())]
    if filters.within is not None:
        scope.append(_among("authority_id", filters.within))
        params += sorted(filters.within)
    return scope, params


def _rows_are(given: tuple[str, str] | None) -> tuple[str, list]:
    """Return the condition on kept counts of the rows themselves: all (facet ""), or those
    holding the code ``given``."""
    if given is None:
        return "facet = '' AND facet_key = ''", []
    return "facet = %s AND facet_key = %s", list(given)


def _among(column: str, values) -> str:
    return f"{column} IN ({', '.join(['%s'] * len(values)) or 'NULL'})"


def _count_kept(
    filters: CatalogueFilters,
    today: datetime.date | None,
    given: tuple[str, str] | None = None,
) -> tuple[int, dict[str, list[tuple[str, str, int]]]]:
    """Return what ``_count_all`` returns, added up from the kept counts: no row is read.

    The kept counts are per authority, kind and first public day, so the site's authorities,
    the ticked kinds and authorities and today's embargoes select among them; the kind and
    authority facets are the counts of the rows themselves (facet "").

    ``given``: the one code ticked (``kept_given``). The rows are then those holding it (its
    own kept count), the other facets are counted among them (the pair counts) and its own
    facet among all rows, as without it.
    """
    connection = read_connection()
    org = Organisation._meta.db_table
    table = CatalogueCount._meta.db_table
    pair_table = CataloguePairCount._meta.db_table
    scope, scope_params = _kept_scope(connection, filters, today)
    kinds = list(listed_kinds(filters))
    of_kinds = _among("kind", kinds)
    of_orgs, org_params = _of_authorities(filters.org)
    # Every branch below adds up its own figures, so the kept rows need no grouping here; on
    # PostgreSQL each branch reads the small table itself rather than a materialised copy of it
    # (half the time of grouping and materialising it first).
    kept = (
        f"SELECT facet, facet_key, kind, authority_id, n FROM {table} WHERE {' AND '.join(scope)}"
    )
    # The rows counted (total, kind, authority) and the facets' counts among them.
    rows_are, rows_params = _rows_are(given)
    counted, counted_params = "SELECT facet, facet_key, kind, authority_id, n FROM kept", []
    if given is not None:
        counted = (
            f"SELECT facet, facet_key, kind, authority_id, n FROM {pair_table} "
            f"WHERE {' AND '.join(scope)} AND given_facet = %s AND given_key = %s "
            "UNION ALL SELECT facet, facet_key, kind, authority_id, n FROM kept WHERE facet = %s"
        )
        counted_params = [*scope_params, *given, given[0]]
    keys = (
        f"SELECT facet, facet_key, SUM(n) AS n FROM counted WHERE {of_kinds} AND {of_orgs} "
        "AND facet = %s GROUP BY facet, facet_key"
    )
    partnerships, partnership_params = _sql(
        policy.public(Partnership).order_by().values("id", "title")
    )
    empty = "''"

    def select(param: str, key: str, extra: str, n: str) -> str:
        return f"SELECT CAST({param} AS TEXT), CAST({key} AS TEXT), CAST({extra} AS TEXT), {n}"

    branches: list[tuple[str, list]] = [
        (
            f"{select(empty, empty, empty, 'SUM(n)')} FROM kept "
            f"WHERE {rows_are} AND {of_kinds} AND {of_orgs}",
            [*rows_params, *kinds, *org_params],
        ),
        (
            f"{select(repr('kind'), 'kind', empty, 'SUM(n)')} FROM kept "
            f"WHERE {rows_are} AND {of_orgs} GROUP BY kind",
            [*rows_params, *org_params],
        ),
        (
            f"{select(repr('org'), 'o.slug', 'o.name', 'k.n')} FROM (SELECT authority_id, "
            f"SUM(n) AS n FROM kept WHERE {rows_are} AND {of_kinds} GROUP BY authority_id) AS k "
            f"JOIN {org} o ON o.id = k.authority_id",
            [*rows_params, *kinds],
        ),
        (
            f"{select('facet', 'facet_key', empty, 'SUM(n)')} FROM counted "
            f"WHERE {of_kinds} AND {of_orgs} AND facet NOT IN ('', 'partner', 'partnership') "
            "GROUP BY facet, facet_key",
            [*kinds, *org_params],
        ),
        (
            f"{select(repr('partner'), 'o.slug', 'o.name', 'f.n')} FROM ({keys}) AS f "
            f"JOIN {org} o ON CAST(o.id AS TEXT) = f.facet_key",
            [*kinds, *org_params, "partner"],
        ),
        (
            f"{select(repr('partnership'), 'p.id', 'p.title', 'f.n')} FROM ({keys}) AS f "
            f"JOIN ({partnerships}) AS p ON CAST(p.id AS TEXT) = f.facet_key",
            [*kinds, *org_params, "partnership", *partnership_params],
        ),
    ]
    inlined = " NOT MATERIALIZED" if connection.vendor == "postgresql" else ""
    sql = f"WITH kept AS{inlined} ({kept}), counted AS{inlined} ({counted}) " + " UNION ALL ".join(
        b for b, _ in branches
    )
    params = [
        *scope_params,
        *counted_params,
        *(p for _branch, branch_params in branches for p in branch_params),
    ]
    return _read_counts(connection, sql, params)


def _paired_branch(
    filters: CatalogueFilters, param: str, given: tuple[str, str], today: datetime.date | None
) -> tuple[str, list]:
    """Return the query counting ``param``'s keys among the rows holding ``given`` (pair
    counts), in the columns of a facet's rows (facet_key, facet_extra, n)."""
    connection = read_connection()
    scope, params = _kept_scope(connection, filters, today)
    kinds = list(listed_kinds(filters))
    sql = (
        f"SELECT facet_key, '' AS facet_extra, SUM(n) AS n "
        f"FROM {CataloguePairCount._meta.db_table} "
        f"WHERE given_facet = %s AND given_key = %s AND facet = %s AND {_among('kind', kinds)} "
        f"AND {' AND '.join(scope)} GROUP BY facet_key"
    )
    return sql, [*given, param, *kinds, *params]


def _of_authorities(slugs: tuple[str, ...]) -> tuple[str, list]:
    """Return the condition on kept counts of the authorities ticked (none: every one)."""
    if not slugs:
        return "1 = 1", []
    org = Organisation._meta.db_table
    marks = ", ".join(["%s"] * len(slugs))
    return f"authority_id IN (SELECT id FROM {org} WHERE slug IN ({marks}))", list(slugs)


def kept_total(
    filters: CatalogueFilters,
    *,
    today: datetime.date | None = None,
    given: tuple[str, str] | None = None,
) -> int:
    """Return how many records pass ``filters`` from the kept counts (``counts_are_kept``, or
    ``kept_given`` for ``given``: the rows holding that one code)."""
    connection = read_connection()
    kinds = list(listed_kinds(filters))
    rows_are, rows_params = _rows_are(given)
    scope, scope_params = _kept_scope(connection, filters, today)
    of_orgs, org_slugs = _of_authorities(filters.org)
    where = [_among("kind", kinds), rows_are, *scope, of_orgs]
    params = [*kinds, *rows_params, *scope_params, *org_slugs]
    table = CatalogueCount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT SUM(n) FROM {table} WHERE {' AND '.join(where)}", params)
        return int(cursor.fetchone()[0] or 0)


def kept_counts_by_authority(
    models: Iterable[type], authority_ids: Iterable[int], *, today: datetime.date | None = None
) -> dict[tuple[type, int], int]:
    """Return how many public records of each of ``models`` each authority has, from the kept
    counts: a few rows an authority, however many records (the home page's numbers).

    Rows marked stale are written again first, as the catalogue does, so that the numbers agree
    with the authorities' own lists (which read the records).
    """
    refresh_stale()
    model_of_kind = {KIND_OF_MODEL[model]: model for model in models}
    rows = (
        CatalogueCount.objects.filter(
            facet="",
            kind__in=model_of_kind,
            authority_id__in=list(authority_ids),
            public_from__lte=today or timezone.localdate(),
        )
        .values_list("kind", "authority_id")
        .annotate(total=Sum("n"))
        .order_by()
    )
    return {(model_of_kind[kind], authority): total for kind, authority, total in rows}


def kept_keys(
    facet: str, *, within: frozenset[int] | None = None, today: datetime.date | None = None
) -> frozenset[str]:
    """Return the keys of ``facet`` (a catalogue parameter) that some public record holds.

    Of every kind, among the records of the authorities ``within`` (None: every one), read from
    the kept counts: a few rows an authority and key, however many records hold them. It only
    reads (any page asks it, on a replica too): records saved outside publication count from
    the catalogue's next read, which writes their rows again (``rows.refresh_stale``).
    """
    rows = CatalogueCount.objects.filter(
        facet=facet, n__gt=0, public_from__lte=today or timezone.localdate()
    )
    if within is not None:
        rows = rows.filter(authority_id__in=within)
    return frozenset(rows.values_list("facet_key", flat=True).distinct().order_by())


def _read_counts(connection, sql: str, params: list) -> tuple[int, dict]:
    """Run one query of counts (facet, key, extra, n); return the total and each facet's rows."""
    rows: dict[str, list[tuple[str, str, int]]] = {param: [] for param in FACETS}
    total = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for param, key, extra, n in cursor.fetchall():
            if not param:
                total = int(n or 0)
            elif key not in (None, "") and n:
                rows.setdefault(param, []).append((key, extra, int(n)))
    return total, rows


def _count_all(
    filters: CatalogueFilters, readings: list[list[str]] | None, today: datetime.date | None
) -> tuple[int, dict[str, list[tuple[str, str, int]]], int]:
    """Return the number of matching rows and each facet's rows (key, extra, count).

    And 1 in how many matches they were counted: 1 when exact, more when a word search's
    matches are many (``sample_step``), whose figures are then those of the sample.
    """
    if counts_are_kept(filters, readings):
        return *_count_kept(filters, today), 1
    if (given := kept_given(filters, readings)) is not None:
        return *_count_kept(filters, today, given), 1
    if readings is not None and (step := sample_step(readings)) > 1:
        total, rows = _count_searched(filters, readings, today, step)
        candidates = sum(n for _key, _extra, n in rows.pop(CANDIDATES, []))
        # The words' entries overstate the matches of words read together ("water women"):
        # a sample too small to estimate from is counted again in full, a few rows a step.
        if candidates >= SAMPLE_AT_LEAST:
            return total, rows, step
    return *_count_rows(filters, readings, today), 1


def _count_rows(
    filters: CatalogueFilters, readings: list[list[str]] | None, today: datetime.date | None
) -> tuple[int, dict[str, list[tuple[str, str, int]]]]:
    """Return what ``_count_all`` returns, counted in the matching rows (one query)."""
    if readings is None:
        return _count_filtered(filters, today)
    return _count_searched(filters, readings, today)


def _count_filtered(
    filters: CatalogueFilters, today: datetime.date | None
) -> tuple[int, dict[str, list[tuple[str, str, int]]]]:
    """Return what ``_count_all`` returns for facet filters without words: one query.

    The rows passing every filter are read once and the total and the facets without a filter
    of their own count them. A facet whose filter is set counts among the rows passing the
    *other* filters: each such facet reads its own rows, through the indexes of those filters,
    and unnests its own column only. (Reading once every row passing all filters but one, with
    a flag per filter, and scanning that wide selection for each facet, as ``_count_searched``
    does, took twice as long at 100,000 rows: two facets select far more rows than match.)
    """
    connection = read_connection()
    postgresql = connection.vendor == "postgresql"
    conditions = facet_conditions(filters)
    ctes: list[str] = []
    params: list = []
    columns = ", ".join(SELECTION_COLUMNS)

    def selection(name: str, leave_out: str | None, hint: str) -> bool:
        """Add the rows passing every filter but ``leave_out`` as ``name``; False: none can."""
        rows = _passing(filters, None, leave_out, today).values_list(*SELECTION_COLUMNS)
        try:
            sql, selection_params = _sql(rows)
        except EmptyResultSet:
            return False
        ctes.append(f"{name} ({columns}) AS{hint if postgresql else ''} ({sql})")
        params.extend(selection_params)
        return True

    branches: list[tuple[str, str | tuple[str, list]]] = []
    if selection(MATCHING, None, " MATERIALIZED"):
        branches.append(("", MATCHING))
    for param in FACETS:
        if param not in conditions:
            if branches and branches[0][1] == MATCHING:
                branches.append((param, MATCHING))
            continue
        # Among the rows holding the one other code ticked: its pair counts, no row read.
        given = kept_given(filters, None, leave_out=param) if param in PAIRED_FACETS else None
        if given is not None and "org" not in conditions:
            branches.append((param, _paired_branch(filters, param, given, today)))
            continue
        cte = f"catalogue_without_{param}"
        # Read once, by its own branch: inlined, so that the filters' indexes select its rows.
        if selection(cte, param, " NOT MATERIALIZED"):
            branches.append((param, cte))
    if not branches:  # nothing can match: nothing to count
        return 0, {param: [] for param in FACETS}
    return _count_branches(connection, ctes, params, branches)


def _count_searched(
    filters: CatalogueFilters,
    readings: list[list[str]],
    today: datetime.date | None,
    step: int = 1,
) -> tuple[int, dict[str, list[tuple[str, str, int]]]]:
    """Return what ``_count_all`` returns for search words: one query, one scan.

    A facet whose filter is set counts among the rows passing the *other* filters, so the rows
    read are those passing all filters but at most one (``CANDIDATES``), each with a flag per
    filter saying whether it passes it; the total and each facet then count the candidates
    whose flags they need. ``step`` > 1: among one match in ``step`` (``word_matches``), the
    figures as counted in the sample, with the number of candidates (facet ``CANDIDATES``).
    """
    connection = read_connection()
    conditions = facet_conditions(filters)
    words = word_matches(readings, step=step)
    candidates = _passing(filters, words, None, today, facets=False)
    if len(conditions) > 1:
        # All filters but at most one: an OR of ANDs. With two facet filters or more, a row
        # passes one of them at least, which lets PostgreSQL combine their indexes.
        others = [
            functools.reduce(operator.and_, [c for p, c in conditions.items() if p != param])
            for param in conditions
        ]
        candidates = candidates.filter(functools.reduce(operator.or_, others))
        indexed = [c for param, c in conditions.items() if param != "kind"]
        if len(indexed) > 1:
            candidates = candidates.filter(functools.reduce(operator.or_, indexed))
    flags = {f"passes_{param}": param for param in conditions}
    try:
        sql, params = _sql(
            candidates.annotate(
                **{
                    flag: ExpressionWrapper(conditions[param], output_field=BooleanField())
                    for flag, param in flags.items()
                }
            ).values_list(*SELECTION_COLUMNS, *flags)
        )
    except EmptyResultSet:  # nothing can match: nothing to count
        return 0, {param: [] for param in FACETS}
    columns = ", ".join(SELECTION_COLUMNS)
    ctes = [f"{CANDIDATES} ({columns}, {', '.join(flags)}) AS ({sql})"]

    def passing(leave_out: str | None) -> str:
        needed = [flag for flag, param in flags.items() if param != leave_out]
        where = f" WHERE {' AND '.join(needed)}" if needed else ""
        return f"SELECT {columns} FROM {CANDIDATES}{where}"

    ctes.append(f"{MATCHING} AS ({passing(None)})")
    branches: list[tuple[str, str]] = [("", MATCHING)]
    for param in FACETS:
        cte = MATCHING
        if param in conditions:
            cte = f"catalogue_without_{param}"
            ctes.append(f"{cte} AS ({passing(param)})")
        branches.append((param, cte))
    if step > 1:
        branches.append((CANDIDATES, CANDIDATES))
    return _count_branches(connection, ctes, params, branches)


def _count_branches(
    connection, ctes: list[str], params: list, branches: list[tuple[str, str | tuple[str, list]]]
) -> tuple[int, dict[str, list[tuple[str, str, int]]]]:
    """Count the total ("") and each facet in the selection named beside it, in one query.

    A branch given as a query (SQL text and parameters) is that facet's rows as they are.
    """
    parts: list[str] = []
    for param, cte in branches:
        if not isinstance(cte, str):
            branch_sql, branch_params = cte
        elif param == CANDIDATES:
            branch_sql = f"SELECT 'n' AS facet_key, '' AS facet_extra, COUNT(*) AS n FROM {cte}"
            branch_params = []
        elif param:
            query = FACETS[param].rows(cte, connection.vendor)
            branch_sql, branch_params = (query, []) if isinstance(query, str) else query
        else:
            branch_sql = f"SELECT '' AS facet_key, '' AS facet_extra, COUNT(*) AS n FROM {cte}"
            branch_params = []
        parts.append(
            "SELECT CAST(%s AS TEXT), CAST(facet_key AS TEXT), CAST(facet_extra AS TEXT), n "
            f"FROM ({branch_sql}) AS facet_{param or 'total'}"
        )
        params = [*params, param, *branch_params]
    return _read_counts(connection, f"WITH {', '.join(ctes)} " + " UNION ALL ".join(parts), params)


def _named_labels(param: str, values: Iterable[str], lang: str) -> dict[str, str]:
    """Name selected values that no record matches any more (one query, only then)."""
    values = list(values)
    if not values:
        return {}
    if param == "partnership":
        rows = policy.public(Partnership).filter(pk__in=values).values("pk", "title")
        return {str(row["pk"]): text(row["title"], lang) for row in rows}
    rows = Organisation.objects.filter(slug__in=values).values("slug", "name")
    return {row["slug"]: text(row["name"], lang) for row in rows}


def _order(values: list[FacetValue], order: str) -> list[FacetValue]:
    if order == "kind":
        return sorted(values, key=lambda v: list(KINDS).index(v.value) if v.value in KINDS else 9)
    if order == "numeric":
        return sorted(values, key=lambda v: int(v.value) if v.value.isdigit() else 0)
    if order == "value-desc":
        return sorted(values, key=lambda v: v.value, reverse=True)
    return sorted(values, key=lambda v: (-v.count, v.label.casefold(), v.value))


def _names(rows: list[tuple[str, str, int]]) -> list:
    """Return the names (facet_extra, JSON text) of a facet's rows, decoded.

    In one call: the partner facet has a name a value (1,200 at 10,000 activities), and a call
    a name took five times as long.
    """
    extras = [extra for _key, extra, _n in rows]
    if all(isinstance(extra, str) and extra for extra in extras):
        return json.loads("[" + ",".join(extras) + "]")
    return [json.loads(extra) if isinstance(extra, str) else extra for extra in extras]


@dataclass(frozen=True)
class CatalogueCounts:
    total: int
    facets: list[Facet]
    # The figures are estimates (a word search with many matches, counted in a sample of them).
    estimated: bool = False


def count_catalogue(
    filters: CatalogueFilters,
    *,
    lang: str,
    readings: list[list[str]] | None = None,
    today: datetime.date | None = None,
) -> CatalogueCounts:
    """Return the number of matching records and the facets, counted in one query.

    Each facet's values are counted among the records passing all the *other* filters.
    Values combine with OR within a facet and facets with AND, so a count says how many results
    ticking that value would add (or, for a ticked value, how many it contributes). A word
    search with many matches is counted in one match in ``step`` and its figures scaled up
    (``estimated``): a value missing from the sample is not listed, unless selected (0).
    """
    total, all_rows, step = _count_all(filters, readings, today)
    facets = []
    for param, spec in FACETS.items():
        rows = all_rows[param]
        selected = {str(v) for v in filters.values(param)}
        counts = {key: n * step for key, _extra, n in rows}
        if param in NAMED:
            names = {
                key: text(name, lang)
                for (key, _extra, _n), name in zip(rows, _names(rows), strict=True)
            }
            names.update(_named_labels(param, selected - set(names), lang))
            label = names.get
        else:
            label = functools.partial(spec.label, lang=lang)
        keys = [*counts, *selected]
        if param == "kind":  # every kind is named, with its count (0 when none matches)
            keys = [*KINDS, *keys]
        values = [
            FacetValue(value, label(value) or value, counts.get(value, 0), value in selected)
            for value in dict.fromkeys(keys)
        ]
        facets.append(Facet(param, str(FACET_LABELS[param]), _order(values, spec.order)))
    return CatalogueCounts(total * step, facets, estimated=step > 1)


def catalogue_facets(
    filters: CatalogueFilters,
    *,
    lang: str,
    today: datetime.date | None = None,
) -> list[Facet]:
    """Count each facet's values among the records passing all the *other* filters.

    Estimates for a word search with many matches, as ``count_catalogue`` says.
    """
    refresh_stale()
    readings = search_readings(filters, today)
    return count_catalogue(filters, lang=lang, readings=readings, today=today).facets


# Order ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SortKey:
    """One key of an order: an expression, its direction, whether it may be null (last)."""

    expression: object
    descending: bool = False
    nullable: bool = False


def _title_key(lang: str) -> Lower:
    return Lower(
        Coalesce(
            KT(f"title__{lang}"),
            KT("title__it"),
            KT("title__en"),
            Value(""),
            output_field=TextField(),
        )
    )


def sort_keys(sort: str, lang: str, readings: list[list[str]] | None = None) -> list[SortKey]:
    """Return the keys of an order of rows, the last one unique (ties in a stable order)."""
    newest = [SortKey(F("start"), True, True), SortKey(F("record_id"), True), SortKey(F("kind"))]
    if sort == "relevance" and readings:
        return [SortKey(Relevance(readings), True), *newest]
    if sort == "title":
        return [SortKey(_title_key(lang)), SortKey(F("record_id")), SortKey(F("kind"))]
    if sort in ("start", "end"):
        return [SortKey(F(sort), False, True), SortKey(F("record_id")), SortKey(F("kind"))]
    if sort == "-end":
        return [SortKey(F("end"), True, True), SortKey(F("record_id"), True), SortKey(F("kind"))]
    return newest


def ordered_rows(rows: QuerySet[CatalogueRow], keys: list[SortKey]) -> QuerySet[CatalogueRow]:
    """Order ``rows`` by ``keys``, each key annotated (``sort_0``…) for keyset pages."""
    rows = rows.annotate(**{f"sort_{i}": key.expression for i, key in enumerate(keys)})
    ordering = []
    for i, key in enumerate(keys):
        column = F(f"sort_{i}")
        if key.descending:
            ordering.append(column.desc(nulls_last=True) if key.nullable else column.desc())
        else:
            ordering.append(column.asc(nulls_last=True) if key.nullable else column.asc())
    return rows.order_by(*ordering)


def _json_value(value):
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    return value


def _from_json(value):
    if isinstance(value, dict) and "date" in value:
        return datetime.date.fromisoformat(value["date"])
    return value


def make_cursor(row: CatalogueRow, keys: list[SortKey]) -> str:
    """Return the cursor of the page after ``row``: its sort values, url-safe."""
    values = [_json_value(getattr(row, f"sort_{i}")) for i in range(len(keys))]
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class BadCursor(ValueError):
    """A cursor that this order did not write."""


def read_cursor(cursor: str, keys: list[SortKey]) -> list:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadCursor(cursor) from None
    if not isinstance(values, list) or len(values) != len(keys):
        raise BadCursor(cursor)
    return [_from_json(value) for value in values]


def after_cursor(
    rows: QuerySet[CatalogueRow], keys: list[SortKey], values: list
) -> QuerySet[CatalogueRow]:
    """Keep the rows that come after the row whose sort values are ``values`` (keyset).

    ``rows`` are annotated by ``ordered_rows``. Nulls come last in either direction.
    """
    condition = Q(pk__in=[])
    equal = Q()
    for i, (key, value) in enumerate(zip(keys, values, strict=True)):
        name = f"sort_{i}"
        if value is None:
            later = Q(pk__in=[])  # nothing after a null but other nulls
            same = Q(**{f"{name}__isnull": True})
        else:
            later = Q(**{f"{name}__{'lt' if key.descending else 'gt'}": value})
            if key.nullable:
                later |= Q(**{f"{name}__isnull": True})
            same = Q(**{name: value})
        condition |= equal & later
        equal &= same
    return rows.filter(condition)


# Results -------------------------------------------------------------------------------------


# The parts a result card shows of an activity.
LIST_PARTS = ("recipient_countries", "sectors", "budgets")


def with_list_data(activities: Iterable[Activity]) -> list[Activity]:
    """Fetch what a result line shows in a fixed number of queries, whatever the page size.

    The parts of the whole page are read at once (``activities.part_rows``: one query on
    PostgreSQL, one per part elsewhere) and handed to each activity, as the API reads them.
    """
    activities = list(activities)
    load_parts(activities, [part(relation) for relation in LIST_PARTS])
    return activities


def records_of_rows(rows: Iterable[CatalogueRow], today: datetime.date | None = None) -> list:
    """Return the records of ``rows`` in their order, each kind read in one query.

    Each record gets ``catalogue_kind``; a record gone since (or no longer public) is left out.
    """
    rows = list(rows)
    # Unordered: the rows give the order. Ordered, Django compares each selected column with
    # the order while building the query (0.6 of 1.4 ms for the activities).
    loaders = {
        CatalogueRow.ACTIVITY: lambda ids: with_list_data(
            public_activities(today).filter(pk__in=ids).select_related("reporting_org").order_by()
        ),
        CatalogueRow.INITIATIVE: lambda ids: (
            policy.public(Initiative, today)
            .filter(pk__in=ids)
            .select_related("reporting_org")
            .prefetch_related("countries")
            .order_by()
        ),
        CatalogueRow.EXCHANGE: lambda ids: (
            policy.public(Exchange, today)
            .filter(pk__in=ids)
            .select_related("reporting_org")
            .order_by()
        ),
    }
    records: dict[tuple[str, int], object] = {}
    for kind, load in loaders.items():
        ids = [row.record_id for row in rows if row.kind == kind]
        if ids:
            for record in load(ids):
                record.catalogue_kind = kind
                records[(kind, record.pk)] = record
    return [records[key] for row in rows if (key := (row.kind, row.record_id)) in records]


@dataclass
class CatalogueResult:
    filters: CatalogueFilters
    page: Page
    total: int
    facets: list[Facet]
    messages: list[str] = field(default_factory=list)
    # The facets' counts are estimates, and the total too (``count_catalogue``).
    counts_estimated: bool = False
    total_estimated: bool = False


def catalogue(
    filters: CatalogueFilters,
    *,
    lang: str,
    page_size: int = 20,
    today: datetime.date | None = None,
) -> CatalogueResult:
    """Return one page of the catalogue for ``filters``, with its facets and their counts.

    The page lists activities, initiatives and exchanges together (the ``kind`` facet); each
    object of ``page.object_list`` has ``catalogue_kind``.
    """
    refresh_stale()
    messages = list(filters.messages)
    filters, reference_messages = check_references(filters, today=today)
    messages += reference_messages
    readings = search_readings(filters, today)
    counts = count_catalogue(filters, lang=lang, readings=readings, today=today)
    keys = sort_keys(filters.effective_sort, lang, readings)
    matching = ordered_rows(filter_rows(filters, readings=readings, today=today), keys)
    paginator = Paginator(matching.only("kind", "record_id"), page_size)
    paginator.count = counts.total  # counted with the facets: not counted again
    page = paginator.get_page(filters.page)
    offset = page.start_index() - 1
    rows = _best_page(filters, readings, keys, offset, page_size, counts.total, today)
    if rows is None:
        rows = list(page.object_list)
    estimated = counts.estimated
    if estimated and (page.number == paginator.num_pages or not rows):
        # An estimate does not say where the last page ends (nor whether this page is past
        # it): counted exactly, for the last pages only (the first pages of a common word's
        # results are full whatever the exact figure).
        paginator = Paginator(matching.only("kind", "record_id"), page_size)
        page = paginator.get_page(filters.page)
        rows, estimated = list(page.object_list), False
    page.object_list = records_of_rows(rows, today)
    if filters.page > paginator.num_pages:
        messages.append(
            _("There is no page %(page)d: the last page is shown.") % {"page": filters.page}
        )
    return CatalogueResult(
        filters=replace(filters, page=page.number),
        page=page,
        total=paginator.count,
        facets=counts.facets,
        messages=messages,
        counts_estimated=counts.estimated,
        total_estimated=estimated,
    )


def ranked_matches(
    filters: CatalogueFilters, *, limit: int, today: datetime.date | None = None
) -> tuple[int, list]:
    """Return how many public records match ``filters``' words, and the ``limit`` best.

    The site search's groups of activities, initiatives and exchanges: the same rows, words and
    order by relevance as the catalogue, so the group's total is the catalogue's. Both the count
    and the best matches are read from the words' key: neither is cut at some number of matches.
    """
    refresh_stale()
    readings = search_readings(filters, today)
    if readings is None:
        return 0, []
    rows = filter_rows(filters, readings=readings, today=today)
    total = rows.count()
    if not total:
        return 0, []
    keys = sort_keys("relevance", "", readings)
    best = _best_page(filters, readings, keys, 0, limit, total, today)
    if best is None:
        best = list(ordered_rows(rows, keys).only("kind", "record_id")[:limit])
    return total, records_of_rows(best, today)


def _present_keys(rows: QuerySet[CatalogueRow], column: str, keys: list[str]) -> set[str]:
    """Return which of ``keys`` some row of ``rows`` holds in its ``column`` array."""
    return {key for key in keys if rows.filter(**{f"{column}__overlap": [key]}).exists()}


def check_references(
    filters: CatalogueFilters, *, today: datetime.date | None = None
) -> tuple[CatalogueFilters, list[str]]:
    """Drop partners, partnerships and authorities the public cannot see, saying so.

    A partner counts only where it is named: a slug of a hidden partner is as unknown as a
    misspelt one, so the answer reveals nothing.
    """
    from .filters import invalid_value_message

    messages: list[str] = []
    changes: dict[str, tuple] = {}
    public = _scoped(public_rows(today), filters)
    authorities = Organisation.objects.filter(is_reporting=True)
    if filters.within is not None:  # another site's partners and authorities are unknown here
        authorities = authorities.filter(pk__in=filters.within)

    def partners(values):
        by_id = dict(Organisation.objects.filter(slug__in=values).values_list("pk", "slug"))
        present = _present_keys(public, "partners", [str(pk) for pk in by_id])
        return [by_id[int(pk)] for pk in present]

    checks = {
        "partner": partners,
        "partnership": lambda values: (
            policy.public(Partnership).filter(pk__in=values).values_list("pk", flat=True)
        ),
        "org": lambda values: authorities.filter(slug__in=values).values_list("slug", flat=True),
    }
    for param, known_values in checks.items():
        values = filters.values(param)
        if not values:
            continue
        known = set(known_values(values))
        for value in values:
            if value not in known:
                messages.append(invalid_value_message(param, str(value)))
        changes[param] = tuple(v for v in values if v in known)
    return replace(filters, **changes), messages


# Addresses of records ------------------------------------------------------------------------


class RecordLinks:
    """The addresses of records' pages in one language, looked up once for a whole list.

    A record's page is under the list page (RecordIndexPage) of its kind in the section of its
    reporting authority; an authority with no section has no record pages, so no address.
    """

    def __init__(self, locale: Locale | None) -> None:
        from opencoop.pages.models import RecordIndexPage, SectionPage

        sections = policy.public_pages(SectionPage.objects.all())
        indexes = policy.public_pages(RecordIndexPage.objects.all())
        if locale is not None:
            sections = sections.filter(locale=locale)
            indexes = indexes.filter(locale=locale)
        org_by_path = {path: org for path, org in sections.values_list("path", "reporting_org_id")}
        self.index_pages: dict[tuple[int, str], RecordIndexPage] = {}
        for index_page in indexes.order_by("path"):
            org_id = org_by_path.get(index_page.path[: -RecordIndexPage.steplen])
            if org_id is not None:
                self.index_pages.setdefault((org_id, index_page.record_type), index_page)
        # Every address now, from one read of the site root paths (kept in the cache): a
        # download built with these links streams without asking the cache half-way through.
        root_paths = Site.get_site_root_paths()
        self._urls: dict[tuple[int, str], str] = {}
        for key, page in self.index_pages.items():
            page._wagtail_cached_site_root_paths = root_paths
            self._urls[key] = page.url or ""

    def index_url(self, org_id: int, record_type: str) -> str:
        return self._urls.get((org_id, record_type), "")

    def url(self, record, record_type: str = "activities") -> str:
        """Return the address of ``record``'s page, or "" when it has none."""
        base = self.index_url(record.reporting_org_id, record_type)
        if not base:
            return ""
        index_page = self.index_pages[(record.reporting_org_id, record_type)]
        return base + index_page.reverse_subpage("record", args=[record.slug])


def record_links(locale: Locale | None) -> RecordLinks:
    """Return the addresses of records' pages in ``locale``, looked up once per publication.

    They change only when a page is published, unpublished or moved, which starts a new
    generation of what public pages remember (``pages.published``); building them reads every
    list page of every authority's section (44 pages at 10,000 activities: 20–60 ms).
    """
    from opencoop.pages.published import remember

    key = ("record links", locale.pk if locale is not None else None)
    return remember(key, lambda: RecordLinks(locale))


def activity_url(
    activity: Activity, locale: Locale | None, links: RecordLinks | None = None
) -> str:
    """Return the address of an activity's page in ``locale`` ("" when it has none)."""
    return (links or RecordLinks(locale)).url(activity, "activities")
