"""Reads of the catalogue: filtered activities, facet counts and record addresses.

Free of requests and templates: the catalogue page, the open-data downloads and the API call the
same functions with the same ``CatalogueFilters``, so their figures cannot disagree.
"""

from __future__ import annotations

import datetime
import functools
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, ExtractYear, Left, Lower, StrIndex, Substr
from django.utils.translation import gettext as _
from wagtail.models import Locale
from wagtail.search.backends import get_search_backend

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
from opencoop.organisations.models import Organisation
from opencoop.partnerships.models import Partnership

from .filters import FACET_LABELS, KINDS, CatalogueFilters
from .indexing import build_query
from .regions import continent_label, continents

# Most relevant matches a word search keeps; beyond that, visitors add words or filters.
SEARCH_LIMIT = 5000

# An activity is active from its first known date to its last (actual dates win over planned
# ones); with one date only, it is active in that date's year.
START = Coalesce("actual_start", "planned_start", "actual_end", "planned_end")
END = Coalesce("actual_end", "planned_end", "actual_start", "planned_start")


def search_ids(model_queryset: QuerySet, q: str, limit: int = SEARCH_LIMIT) -> list[int] | None:
    """Return the ids of records matching ``q``, most relevant first (None: no words in ``q``)."""
    query = build_query(q)
    if query is None:
        return None
    results = get_search_backend().search(
        query, model_queryset.order_by().only("pk"), order_by_relevance=True
    )
    return [obj.pk for obj in results[:limit]]


# Filters -------------------------------------------------------------------------------------


def _any_prefix(field_name: str, prefixes: Iterable[str]) -> Q:
    return functools.reduce(
        operator.or_, (Q(**{f"{field_name}__startswith": p}) for p in prefixes), Q(pk__in=[])
    )


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
        _exists(
            Sector,
            Q(vocabulary="2", code__in=values) | (Q(vocabulary="1") & _any_prefix("code", values)),
        )
    ),
    "sector": lambda qs, values: qs.filter(_exists(Sector, Q(vocabulary="1", code__in=values))),
    "sdg": lambda qs, values: qs.filter(
        _exists(
            SdgTag,
            Q(vocabulary="2", code__in=values)
            | (Q(vocabulary="3") & _any_prefix("code", [f"{goal}." for goal in values])),
        )
    ),
    "sdg_target": lambda qs, values: qs.filter(_exists(SdgTag, Q(vocabulary="3", code__in=values))),
    "marker": lambda qs, values: qs.filter(
        _exists(PolicyMarker, Q(code__in=values) & ~Q(significance="0"))
    ),
    "partner": lambda qs, values: qs.filter(_partner_filter(values)),
    "partnership": lambda qs, values: qs.filter(partnership_id__in=values, partnership__live=True),
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
    if ids is not None:
        qs = qs.filter(pk__in=ids)
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


def _count_children(model, base: QuerySet, key, condition: Q | None = None) -> dict[str, int]:
    """Count distinct activities of ``base`` per value of ``key`` on a child table."""
    qs = model.objects.filter(activity__in=base.values("pk"))
    if condition is not None:
        qs = qs.filter(condition)
    rows = (
        qs.annotate(facet_key=key).values("facet_key").annotate(n=Count("activity", distinct=True))
    )
    return {str(row["facet_key"]): row["n"] for row in rows if row["facet_key"] not in (None, "")}


def _count_years(base: QuerySet) -> dict[str, int]:
    # One row per (first year, last year) pair, spread over the years in Python: a handful of
    # rows whatever the number of activities.
    rows = (
        base.annotate(first=ExtractYear("catalogue_start"), last=ExtractYear("catalogue_end"))
        .filter(first__isnull=False)
        .values("first", "last")
        .annotate(n=Count("pk"))
    )
    counts: dict[str, int] = {}
    for row in rows:
        for year in range(row["first"], max(row["first"], row["last"]) + 1):
            counts[str(year)] = counts.get(str(year), 0) + row["n"]
    return counts


def _continent_key() -> Case:
    return Case(
        *[When(code__in=codes, then=Value(code)) for code, codes in continents().items()],
        default=Value(""),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class FacetSpec:
    """How to count one facet's values and name them."""

    count: Callable[[QuerySet], dict[str, int]]
    label: Callable[[str, str], str]
    order: str = "count"  # "count" (most first), "value", "value-desc" or "numeric"


def _codelist_label(name: str) -> Callable[[str, str], str]:
    return lambda code, lang: registry.get(name).label(code, lang)


def _with_code(name: str) -> Callable[[str, str], str]:
    return lambda code, lang: f"{code} – {registry.get(name).label(code, lang)}"


FACETS: dict[str, FacetSpec] = {
    "kind": FacetSpec(
        lambda base: {"activity": base.count()}, lambda v, lang: str(KINDS.get(v, v))
    ),
    "status": FacetSpec(
        lambda base: {
            row["status"]: row["n"]
            for row in base.exclude(status="").values("status").annotate(n=Count("pk"))
        },
        _codelist_label("ActivityStatus"),
        order="numeric",
    ),
    "year": FacetSpec(_count_years, lambda v, lang: v, order="value-desc"),
    "region": FacetSpec(
        lambda base: _count_children(RecipientCountry, base, _continent_key()),
        continent_label,
    ),
    "country": FacetSpec(
        lambda base: _count_children(RecipientCountry, base, F("code")),
        _codelist_label("Country"),
    ),
    "sector_group": FacetSpec(
        lambda base: _count_children(
            Sector,
            base,
            Case(When(vocabulary="2", then=F("code")), default=Substr("code", 1, 3)),
            Q(vocabulary__in=["1", "2"]),
        ),
        _with_code("SectorCategory"),
    ),
    "sector": FacetSpec(
        lambda base: _count_children(Sector, base, F("code"), Q(vocabulary="1")),
        _with_code("Sector"),
    ),
    "sdg": FacetSpec(
        lambda base: _count_children(
            SdgTag,
            base,
            Case(
                When(vocabulary="2", then=F("code")),
                When(code__contains=".", then=Left("code", StrIndex("code", Value(".")) - 1)),
                default=Value(""),
            ),
        ),
        _codelist_label("UNSDG-Goals"),
        order="numeric",
    ),
    "sdg_target": FacetSpec(
        lambda base: _count_children(SdgTag, base, F("code"), Q(vocabulary="3")),
        _with_code("UNSDG-Targets"),
    ),
    "marker": FacetSpec(
        lambda base: _count_children(PolicyMarker, base, F("code"), ~Q(significance="0")),
        _codelist_label("PolicyMarker"),
    ),
    # Partner, partnership and authority labels come with the counts (see _named_facet).
    "partner": FacetSpec(lambda base: {}, lambda v, lang: v),
    "partnership": FacetSpec(lambda base: {}, lambda v, lang: v),
    "org": FacetSpec(lambda base: {}, lambda v, lang: v),
}


def _named_counts(param: str, base: QuerySet, lang: str) -> tuple[dict[str, int], dict[str, str]]:
    """Count partners, partnerships or authorities, with their names, in one query."""
    if param == "partner":
        rows = (
            named_participations()
            .filter(activity__in=base.values("pk"))
            .exclude(organisation_id=F("activity__reporting_org_id"))
            .values("organisation__slug", "organisation__name")
            .annotate(n=Count("activity", distinct=True))
        )
        return _rows(rows, "organisation__slug", "organisation__name", lang)
    if param == "partnership":
        rows = (
            base.filter(partnership__live=True)
            .values("partnership_id", "partnership__title")
            .annotate(n=Count("pk"))
        )
        return _rows(rows, "partnership_id", "partnership__title", lang)
    rows = base.values("reporting_org__slug", "reporting_org__name").annotate(n=Count("pk"))
    return _rows(rows, "reporting_org__slug", "reporting_org__name", lang)


def _rows(rows, key: str, name: str, lang: str) -> tuple[dict[str, int], dict[str, str]]:
    rows = list(rows)
    return (
        {str(row[key]): row["n"] for row in rows},
        {str(row[key]): text(row[name], lang) for row in rows},
    )


def _named_labels(param: str, values: Iterable[str], lang: str) -> dict[str, str]:
    """Name selected values that no activity matches any more (one query, only then)."""
    values = list(values)
    if not values:
        return {}
    if param == "partnership":
        rows = Partnership.objects.filter(pk__in=values, live=True).values("pk", "title")
        return {str(row["pk"]): text(row["title"], lang) for row in rows}
    rows = Organisation.objects.filter(slug__in=values).values("slug", "name")
    return {row["slug"]: text(row["name"], lang) for row in rows}


def _order(values: list[FacetValue], order: str) -> list[FacetValue]:
    if order == "numeric":
        return sorted(values, key=lambda v: int(v.value) if v.value.isdigit() else 0)
    if order == "value-desc":
        return sorted(values, key=lambda v: v.value, reverse=True)
    return sorted(values, key=lambda v: (-v.count, v.label.casefold()))


def catalogue_facets(
    filters: CatalogueFilters,
    *,
    lang: str,
    ids: list[int] | None = None,
    today: datetime.date | None = None,
) -> list[Facet]:
    """Count each facet's values among the activities passing all the *other* filters.

    Values combine with OR within a facet and facets with AND, so a count says how many results
    ticking that value would add (or, for a ticked value, how many it contributes).
    """
    facets = []
    for param, spec in FACETS.items():
        base = filter_activities(filters, ids=ids, leave_out=param, today=today)
        selected = {str(v) for v in filters.values(param)}
        if param in ("partner", "partnership", "org"):
            counts, names = _named_counts(param, base, lang)
            missing = selected - set(names)
            names.update(_named_labels(param, missing, lang))
            label = names.get
        else:
            counts = spec.count(base)
            label = functools.partial(spec.label, lang=lang)
        values = [
            FacetValue(value, label(value) or value, counts.get(value, 0), value in selected)
            for value in dict.fromkeys([*counts, *selected])
        ]
        facets.append(Facet(param, str(FACET_LABELS[param]), _order(values, spec.order)))
    return facets


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
    return qs.select_related("reporting_org").prefetch_related("recipient_countries", "sectors")


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
    matching = filter_activities(filters, ids=ids, today=today)
    sort = filters.effective_sort
    if sort == "relevance" and ids is not None:
        kept = set(matching.values_list("pk", flat=True))
        ordered_ids = [pk for pk in ids if pk in kept]
        paginator = Paginator(ordered_ids, page_size)
        page = paginator.get_page(filters.page)
        by_id = with_list_data(Activity.objects.filter(pk__in=list(page.object_list))).in_bulk()
        page.object_list = [by_id[pk] for pk in page.object_list if pk in by_id]
    else:
        ordering = ORDERINGS.get(sort, ORDERINGS["-start"])(lang)
        paginator = Paginator(with_list_data(matching.order_by(*ordering)), page_size)
        page = paginator.get_page(filters.page)
    if filters.page > paginator.num_pages:
        messages.append(
            _("There is no page %(page)d: the last page is shown.") % {"page": filters.page}
        )
    facets = catalogue_facets(filters, lang=lang, ids=ids, today=today)
    return CatalogueResult(
        filters=replace(filters, page=page.number),
        page=page,
        total=paginator.count,
        facets=facets,
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
    checks = {
        "partner": lambda values: (
            named_participations()
            .filter(activity__in=public, organisation__slug__in=values)
            .exclude(organisation_id=F("activity__reporting_org_id"))
            .values_list("organisation__slug", flat=True)
        ),
        "partnership": lambda values: Partnership.objects.filter(
            pk__in=values, live=True
        ).values_list("pk", flat=True),
        "org": lambda values: Organisation.objects.filter(
            slug__in=values, is_reporting=True
        ).values_list("slug", flat=True),
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

        sections = SectionPage.objects.live()
        indexes = RecordIndexPage.objects.live()
        if locale is not None:
            sections = sections.filter(locale=locale)
            indexes = indexes.filter(locale=locale)
        org_by_path = {path: org for path, org in sections.values_list("path", "reporting_org_id")}
        self.index_pages: dict[tuple[int, str], RecordIndexPage] = {}
        for index_page in indexes.order_by("path"):
            org_id = org_by_path.get(index_page.path[: -RecordIndexPage.steplen])
            if org_id is not None:
                self.index_pages.setdefault((org_id, index_page.record_type), index_page)
        self._urls: dict[tuple[int, str], str] = {}

    def index_url(self, org_id: int, record_type: str) -> str:
        key = (org_id, record_type)
        if key not in self._urls:
            page = self.index_pages.get(key)
            self._urls[key] = (page.url or "") if page is not None else ""
        return self._urls[key]

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
