"""Reads of the catalogue: filtered activities, facet counts and record addresses.

Free of requests and templates: the catalogue page, the open-data downloads and the API call the
same functions with the same ``CatalogueFilters``, so their figures cannot disagree.
"""

from __future__ import annotations

import datetime
import functools
import json
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import (
    Cast,
    Coalesce,
    ExtractYear,
    Lower,
)
from django.utils.translation import gettext as _
from wagtail.models import Locale, Site
from wagtail.search.backends import get_search_backend

from opencoop.access import policy
from opencoop.activities.derived import with_sdg_goals, with_sector_groups
from opencoop.activities.disclosure import named_participations, public_activities
from opencoop.activities.models import (
    Activity,
    PolicyMarker,
    RecipientCountry,
    SdgTag,
    Sector,
)
from opencoop.codelists import registry
from opencoop.core.multilingual import text
from opencoop.core.queries import among_ids
from opencoop.operations.replicas import read_connection
from opencoop.organisations.models import Organisation
from opencoop.partnerships.models import Partnership

from .filters import FACET_LABELS, KINDS, CatalogueFilters
from .indexing import build_query, did_you_mean
from .regions import continent_label, continents

# Most relevant matches a word search keeps; beyond that, visitors add words or filters.
SEARCH_LIMIT = 5000

# An activity is active from its first known date to its last (actual dates win over planned
# ones); with one date only, it is active in that date's year.
START = Coalesce("actual_start", "planned_start", "actual_end", "planned_end")
END = Coalesce("actual_end", "planned_end", "actual_start", "planned_start")


def search_ids(model_queryset: QuerySet, q: str, limit: int = SEARCH_LIMIT) -> list[int] | None:
    """Return the ids of records matching ``q``, most relevant first (None: no words in ``q``).

    When the words as typed (with synonyms and other names of places) find nothing, they are
    searched again with their misspelt words corrected (``did_you_mean``).
    """
    query = build_query(q)
    if query is None:
        return None
    ids = _matching_ids(model_queryset, query, limit)
    if not ids and did_you_mean(q):
        ids = _matching_ids(model_queryset, build_query(q, correct=True), limit)
    return ids


def _matching_ids(model_queryset: QuerySet, query, limit: int) -> list[int]:
    results = get_search_backend().search(
        query, model_queryset.order_by().only("pk"), order_by_relevance=True
    )[:limit]
    get_queryset = getattr(results, "get_queryset", None)
    if get_queryset is not None:
        # PostgreSQL: read the ids alone; the records would carry each match's text vector.
        return list(get_queryset().values_list("pk", flat=True))
    return [obj.pk for obj in results]


# Filters -------------------------------------------------------------------------------------


def _exists(model, condition: Q) -> Exists:
    return Exists(model.objects.filter(condition, activity=OuterRef("pk")))


def _years(values: Iterable[int]) -> Q:
    return functools.reduce(
        operator.or_,
        (
            Q(catalogue_start__lte=datetime.date(year, 12, 31))
            & Q(catalogue_end__gte=datetime.date(year, 1, 1))
            for year in values
        ),
    )


def _partner_filter(values: tuple[str, ...]) -> Exists:
    return Exists(
        named_participations()
        .filter(activity=OuterRef("pk"), organisation__slug__in=values)
        .exclude(organisation_id=OuterRef("reporting_org_id"))
    )


FILTERS: dict[str, Callable[[QuerySet, tuple], QuerySet]] = {
    "kind": lambda qs, values: qs if "activity" in values else qs.none(),
    "status": lambda qs, values: qs.filter(status__in=values),
    "year": lambda qs, values: qs.filter(_years(values)),
    "region": lambda qs, values: qs.filter(
        _exists(
            RecipientCountry,
            Q(code__in=[c for region in values for c in continents()[region]]),
        )
    ),
    "country": lambda qs, values: qs.filter(_exists(RecipientCountry, Q(code__in=values))),
    "sector_group": lambda qs, values: qs.filter(
        Exists(
            with_sector_groups(Sector.objects.filter(activity=OuterRef("pk"))).filter(
                sector_group__in=values
            )
        )
    ),
    "sector": lambda qs, values: qs.filter(_exists(Sector, Q(vocabulary="1", code__in=values))),
    "sdg": lambda qs, values: qs.filter(
        Exists(
            with_sdg_goals(SdgTag.objects.filter(activity=OuterRef("pk"))).filter(
                sdg_goal__in=values
            )
        )
    ),
    "sdg_target": lambda qs, values: qs.filter(_exists(SdgTag, Q(vocabulary="3", code__in=values))),
    "marker": lambda qs, values: qs.filter(
        _exists(PolicyMarker, Q(code__in=values) & ~Q(significance="0"))
    ),
    "partner": lambda qs, values: qs.filter(_partner_filter(values)),
    "partnership": lambda qs, values: qs.filter(
        partnership_id__in=policy.public(Partnership).filter(pk__in=values).values("pk")
    ),
    "org": lambda qs, values: qs.filter(reporting_org__slug__in=values),
}


def filter_activities(
    filters: CatalogueFilters,
    *,
    ids: list[int] | None = None,
    leave_out: str | None = None,
    today: datetime.date | None = None,
) -> QuerySet[Activity]:
    """Return the public activities that pass every filter (but ``leave_out``), unordered.

    ``ids`` are the matches of the search words (``search_ids``), None when there are none.
    """
    qs = public_activities(today).alias(catalogue_start=START, catalogue_end=END)
    if filters.within is not None:  # the site's authorities
        qs = qs.filter(reporting_org_id__in=filters.within)
    if ids is not None:
        qs = qs.filter(among_ids("pk", ids))
    for param, apply in FILTERS.items():
        values = filters.values(param)
        if values and param != leave_out:
            qs = apply(qs, values)
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


# All facets are counted in one query: the activities passing the filters are selected once, as a
# common table expression, and each facet groups its rows against it. A facet whose own filter is
# set counts against the activities passing the *other* filters, a selection of its own.
MATCHING = "catalogue_matching"


def _sql(query: QuerySet | str) -> tuple[str, list]:
    if isinstance(query, str):
        return query, []
    sql, params = query.query.sql_with_params()
    return sql, list(params)


def _children(children: Callable[[], QuerySet], key: str | Case = "code") -> Callable[[str], tuple]:
    """Count distinct activities per value of ``key`` among the rows of a child table."""

    def rows(cte: str) -> tuple[str, list]:
        facet_key = F(key) if isinstance(key, str) else key
        sql, params = _sql(children().order_by().values("activity_id", facet_key=facet_key))
        # Distinct (activity, value) pairs counted by value: two hash aggregates, no sort.
        return (
            "SELECT facet_key, '' AS facet_extra, COUNT(*) AS n FROM (SELECT DISTINCT "
            f"c.activity_id, c.facet_key FROM ({sql}) AS c JOIN {cte} ON {cte}.id = c.activity_id"
            ") AS pairs GROUP BY facet_key",
            params,
        )

    return rows


def _partners(cte: str) -> tuple[str, list]:
    # The partners named in public (one rule: named_participations), other than the reporting
    # authority of the activity.
    sql, params = _sql(named_participations().order_by().values("activity_id", "organisation_id"))
    org = Organisation._meta.db_table
    return (
        "SELECT o.slug AS facet_key, o.name AS facet_extra, COUNT(*) AS n FROM (SELECT DISTINCT "
        f"p.activity_id, p.organisation_id FROM ({sql}) AS p JOIN {cte} ON {cte}.id = "
        f"p.activity_id AND p.organisation_id <> {cte}.reporting_org_id) AS pairs "
        f"JOIN {org} o ON o.id = pairs.organisation_id GROUP BY o.id, o.slug, o.name",
        params,
    )


# Facets counted on the activities themselves read the columns the selection carries.
SELECTION_COLUMNS = [
    "id",
    "status",
    "reporting_org_id",
    "partnership_id",
    "first_year",
    "last_year",
]


def _kind(cte: str) -> str:
    return f"SELECT 'activity' AS facet_key, '' AS facet_extra, COUNT(*) AS n FROM {cte}"


def _status(cte: str) -> str:
    return (
        f"SELECT status AS facet_key, '' AS facet_extra, COUNT(*) AS n FROM {cte} "
        "WHERE status <> '' GROUP BY status"
    )


def _year_spans(cte: str) -> str:
    # One row per (first year, last year) pair, spread over the years in Python: a handful of
    # rows whatever the number of activities.
    return (
        f"SELECT first_year AS facet_key, last_year AS facet_extra, COUNT(*) AS n FROM {cte} "
        "WHERE first_year IS NOT NULL GROUP BY first_year, last_year"
    )


def _authorities(cte: str) -> str:
    org = Organisation._meta.db_table
    return (
        f"SELECT o.slug AS facet_key, o.name AS facet_extra, COUNT(*) AS n FROM {cte} "
        f"JOIN {org} o ON o.id = {cte}.reporting_org_id GROUP BY o.id, o.slug, o.name"
    )


def _partnerships(cte: str) -> tuple[str, list]:
    # Only the partnerships the public may see (the policy's rule, as SQL).
    sql, params = _sql(policy.public(Partnership).order_by().values("id", "title"))
    return (
        f"SELECT p.id AS facet_key, p.title AS facet_extra, COUNT(*) AS n FROM {cte} "
        f"JOIN ({sql}) AS p ON p.id = {cte}.partnership_id GROUP BY p.id, p.title",
        params,
    )


def _continent_key() -> Case:
    return Case(
        *[When(code__in=codes, then=Value(code)) for code, codes in continents().items()],
        default=Value(""),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class FacetSpec:
    """How to count one facet's values and name them.

    ``rows`` gives, for the name of the selection to count in, a query (SQL text, or text and
    parameters) with the columns facet_key, facet_extra and n; facet_extra is the name of a value
    (partners, partnerships, authorities) or the last year of a span of years (year).
    """

    rows: Callable[[str], tuple[str, list] | str]
    label: Callable[[str, str], str]
    order: str = "count"  # "count" (most first), "value", "value-desc" or "numeric"


def _codelist_label(name: str) -> Callable[[str, str], str]:
    return lambda code, lang: registry.get(name).label(code, lang)


def _with_code(name: str) -> Callable[[str, str], str]:
    return lambda code, lang: f"{code} – {registry.get(name).label(code, lang)}"


def _named(code: str, lang: str) -> str:
    return code


FACETS: dict[str, FacetSpec] = {
    "kind": FacetSpec(_kind, lambda v, lang: str(KINDS.get(v, v))),
    "status": FacetSpec(_status, _codelist_label("ActivityStatus"), order="numeric"),
    "year": FacetSpec(_year_spans, lambda v, lang: v, order="value-desc"),
    "region": FacetSpec(_children(RecipientCountry.objects.all, _continent_key()), continent_label),
    "country": FacetSpec(_children(RecipientCountry.objects.all), _codelist_label("Country")),
    "sector_group": FacetSpec(
        _children(lambda: with_sector_groups(Sector.objects.all()), "sector_group"),
        _with_code("SectorCategory"),
    ),
    "sector": FacetSpec(
        _children(lambda: Sector.objects.filter(vocabulary="1")), _with_code("Sector")
    ),
    "sdg": FacetSpec(
        _children(lambda: with_sdg_goals(SdgTag.objects.all()), "sdg_goal"),
        _codelist_label("UNSDG-Goals"),
        order="numeric",
    ),
    "sdg_target": FacetSpec(
        _children(lambda: SdgTag.objects.filter(vocabulary="3")), _with_code("UNSDG-Targets")
    ),
    "marker": FacetSpec(
        _children(lambda: PolicyMarker.objects.exclude(significance="0")),
        _codelist_label("PolicyMarker"),
    ),
    # Partner, partnership and authority names come with the counts (facet_extra).
    "partner": FacetSpec(_partners, _named),
    "partnership": FacetSpec(_partnerships, _named),
    "org": FacetSpec(_authorities, _named),
}
NAMED = ("partner", "partnership", "org")


def _selection(qs: QuerySet) -> QuerySet:
    """Return the columns of ``qs``'s activities that the facets count on, in SELECTION_COLUMNS."""
    return (
        qs.annotate(
            first_year=Cast(ExtractYear("catalogue_start"), IntegerField()),
            last_year=Cast(ExtractYear("catalogue_end"), IntegerField()),
        )
        .order_by()
        .values_list(*SELECTION_COLUMNS)
    )


# Tag of the rows that list the matching activities (a search's, a few thousand at most).
MATCHING_IDS = "#id"


def _count_all(
    filters: CatalogueFilters, ids: list[int] | None, today: datetime.date | None
) -> tuple[int, dict[str, list[tuple[str, str, int]]], set[int]]:
    """Return the number of matching activities, each facet's rows (key, extra, count) and,
    for a word search (``ids``), the matching activities."""
    selections: dict[str, QuerySet] = {}
    branches: list[tuple[str, str]] = [("", MATCHING)]
    for param in FACETS:
        cte = MATCHING
        if filters.values(param):
            cte = f"catalogue_without_{param}"
            selections[cte] = filter_activities(filters, ids=ids, leave_out=param, today=today)
        branches.append((param, cte))
    selections[MATCHING] = filter_activities(filters, ids=ids, today=today)
    empty = set()
    ctes: list[str] = []
    params: list = []
    for cte, qs in selections.items():
        try:
            sql, cte_params = _sql(_selection(qs))
        except EmptyResultSet:  # nothing can match (no search match, say): nothing to count
            empty.add(cte)
            continue
        ctes.append(f"{cte} ({', '.join(SELECTION_COLUMNS)}) AS ({sql})")
        params += cte_params
    parts: list[str] = []
    for param, cte in branches:
        if cte in empty:
            continue
        if param:
            query = FACETS[param].rows(cte)
            sql, branch_params = (query, []) if isinstance(query, str) else query
        else:
            sql = f"SELECT '' AS facet_key, '' AS facet_extra, COUNT(*) AS n FROM {cte}"
            branch_params = []
        parts.append(
            "SELECT CAST(%s AS TEXT), CAST(facet_key AS TEXT), CAST(facet_extra AS TEXT), n "
            f"FROM ({sql}) AS facet_{param or 'total'}"
        )
        params += [param, *branch_params]
    if ids is not None and MATCHING not in empty:
        parts.append(f"SELECT CAST(%s AS TEXT), CAST(id AS TEXT), '', 0 FROM {MATCHING}")
        params.append(MATCHING_IDS)
    rows: dict[str, list[tuple[str, str, int]]] = {param: [] for param in FACETS}
    for param, cte in branches:
        if cte in empty and param == "kind":
            rows[param].append(("activity", "", 0))  # as its count of no rows would say
    matching_ids: set[int] = set()
    if not parts:
        return 0, rows, matching_ids
    total = 0
    with read_connection().cursor() as cursor:
        cursor.execute(f"WITH {', '.join(ctes)} " + " UNION ALL ".join(parts), params)
        for param, key, extra, n in cursor.fetchall():
            if not param:
                total = n
            elif param == MATCHING_IDS:
                matching_ids.add(int(key))
            elif key not in (None, ""):
                rows[param].append((key, extra, n))
    return total, rows, matching_ids


def _year_counts(rows: Iterable[tuple[str, str, int]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for first, last, n in rows:
        for year in range(int(first), max(int(first), int(last or first)) + 1):
            counts[str(year)] = counts.get(str(year), 0) + n
    return counts


def _named_labels(param: str, values: Iterable[str], lang: str) -> dict[str, str]:
    """Name selected values that no activity matches any more (one query, only then)."""
    values = list(values)
    if not values:
        return {}
    if param == "partnership":
        rows = policy.public(Partnership).filter(pk__in=values).values("pk", "title")
        return {str(row["pk"]): text(row["title"], lang) for row in rows}
    rows = Organisation.objects.filter(slug__in=values).values("slug", "name")
    return {row["slug"]: text(row["name"], lang) for row in rows}


def _order(values: list[FacetValue], order: str) -> list[FacetValue]:
    if order == "numeric":
        return sorted(values, key=lambda v: int(v.value) if v.value.isdigit() else 0)
    if order == "value-desc":
        return sorted(values, key=lambda v: v.value, reverse=True)
    return sorted(values, key=lambda v: (-v.count, v.label.casefold(), v.value))


@dataclass(frozen=True)
class CatalogueCounts:
    total: int
    facets: list[Facet]
    matching_ids: set[int]  # for a word search only: its matches that pass the filters


def count_catalogue(
    filters: CatalogueFilters,
    *,
    lang: str,
    ids: list[int] | None = None,
    today: datetime.date | None = None,
) -> CatalogueCounts:
    """Return the number of matching activities and the facets, counted in one query.

    Each facet's values are counted among the activities passing all the *other* filters.
    Values combine with OR within a facet and facets with AND, so a count says how many results
    ticking that value would add (or, for a ticked value, how many it contributes).
    """
    total, all_rows, matching_ids = _count_all(filters, ids, today)
    facets = []
    for param, spec in FACETS.items():
        rows = all_rows[param]
        selected = {str(v) for v in filters.values(param)}
        if param == "year":
            counts = _year_counts(rows)
        else:
            counts = {key: n for key, _extra, n in rows}
        if param in NAMED:
            names = {key: text(json.loads(extra), lang) for key, extra, _n in rows}
            names.update(_named_labels(param, selected - set(names), lang))
            label = names.get
        else:
            label = functools.partial(spec.label, lang=lang)
        values = [
            FacetValue(value, label(value) or value, counts.get(value, 0), value in selected)
            for value in dict.fromkeys([*counts, *selected])
        ]
        facets.append(Facet(param, str(FACET_LABELS[param]), _order(values, spec.order)))
    return CatalogueCounts(total, facets, matching_ids)


def catalogue_facets(
    filters: CatalogueFilters,
    *,
    lang: str,
    ids: list[int] | None = None,
    today: datetime.date | None = None,
) -> list[Facet]:
    """Count each facet's values among the activities passing all the *other* filters."""
    return count_catalogue(filters, lang=lang, ids=ids, today=today).facets


# Results -------------------------------------------------------------------------------------


def _title_key(lang: str) -> Lower:
    return Lower(Coalesce(KT(f"title__{lang}"), KT("title__it"), KT("title__en"), Value("")))


ORDERINGS: dict[str, Callable[[str], list]] = {
    "title": lambda lang: [_title_key(lang), "pk"],
    "start": lambda lang: [F("catalogue_start").asc(nulls_last=True), "pk"],
    "-start": lambda lang: [F("catalogue_start").desc(nulls_last=True), "-pk"],
    "end": lambda lang: [F("catalogue_end").asc(nulls_last=True), "pk"],
    "-end": lambda lang: [F("catalogue_end").desc(nulls_last=True), "-pk"],
}


def with_list_data(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    """Fetch what a result line shows in a fixed number of queries, whatever the page size."""
    return qs.select_related("reporting_org").prefetch_related(
        "recipient_countries", "sectors", "budgets"
    )


@dataclass
class CatalogueResult:
    filters: CatalogueFilters
    page: Page
    total: int
    facets: list[Facet]
    messages: list[str] = field(default_factory=list)


def catalogue(
    filters: CatalogueFilters,
    *,
    lang: str,
    page_size: int = 20,
    today: datetime.date | None = None,
) -> CatalogueResult:
    """Return one page of the catalogue for ``filters``, with its facets and their counts."""
    messages = list(filters.messages)
    filters, reference_messages = check_references(filters, today=today)
    messages += reference_messages
    ids = search_ids(Activity.objects.all(), filters.q) if filters.q else None
    if ids is not None and len(ids) >= SEARCH_LIMIT:
        messages.append(
            _("Only the %(limit)d most relevant matches are counted: add words or filters.")
            % {"limit": SEARCH_LIMIT}
        )
    counts = count_catalogue(filters, lang=lang, ids=ids, today=today)
    sort = filters.effective_sort
    if sort == "relevance" and ids is not None:
        ordered_ids = [pk for pk in ids if pk in counts.matching_ids]
        paginator = Paginator(ordered_ids, page_size)
        page = paginator.get_page(filters.page)
        by_id = with_list_data(Activity.objects.filter(pk__in=list(page.object_list))).in_bulk()
        page.object_list = [by_id[pk] for pk in page.object_list if pk in by_id]
    else:
        ordering = ORDERINGS.get(sort, ORDERINGS["-start"])(lang)
        matching = filter_activities(filters, ids=ids, today=today)
        paginator = Paginator(with_list_data(matching.order_by(*ordering)), page_size)
        paginator.count = counts.total  # counted with the facets: not counted again
        page = paginator.get_page(filters.page)
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
    )


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
    public = public_activities(today)
    authorities = Organisation.objects.filter(is_reporting=True)
    if filters.within is not None:  # another site's partners and authorities are unknown here
        public = public.filter(reporting_org_id__in=filters.within)
        authorities = authorities.filter(pk__in=filters.within)
    checks = {
        "partner": lambda values: (
            named_participations()
            .filter(activity__in=public, organisation__slug__in=values)
            .exclude(organisation_id=F("activity__reporting_org_id"))
            .values_list("organisation__slug", flat=True)
        ),
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


def activity_url(
    activity: Activity, locale: Locale | None, links: RecordLinks | None = None
) -> str:
    """Return the address of an activity's page in ``locale`` ("" when it has none)."""
    return (links or RecordLinks(locale)).url(activity, "activities")
