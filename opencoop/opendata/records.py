"""Reads for the open data outputs: what of each record the public may have, as plain data.

The catalogue downloads, the API, the feeds and the sitemap read records only through these
functions; what of a sensitive activity is public is decided by ``opencoop.activities.disclosure``
and which activities match a query by ``opencoop.catalogue.selectors``, as on the catalogue page.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.urls import reverse
from wagtail.models import Locale

from opencoop.access import policy
from opencoop.activities.disclosure import (
    LOCAL_PARTNER,
    hidden_organisation_ids,
    named_participations,
    public_activities,
    public_children,
    public_locations,
    public_organisation,
    public_parent,
    public_participants,
    public_related_activities,
)
from opencoop.activities.models import (
    Activity,
    ParticipatingOrg,
    Transaction,
    result_value_number,
)
from opencoop.activities.part_rows import load_parts
from opencoop.activities.parts import ELEMENTS, PARTS, PERCENTAGE, Element, Part, element_of
from opencoop.activities.vocabularies import (
    DEFAULT_REGION_VOCABULARY,
    DEFAULT_SECTOR_VOCABULARY,
    codelist_for,
)
from opencoop.catalogue.filters import CatalogueFilters
from opencoop.catalogue.row_models import CatalogueRow
from opencoop.catalogue.rows import refresh_stale
from opencoop.catalogue.selectors import (
    BadCursor,
    RecordLinks,
    SortKey,
    after_cursor,
    counts_are_kept,
    filter_rows,
    kept_given,
    kept_total,
    listed_kinds,
    make_cursor,
    ordered_rows,
    read_cursor,
    record_links,
    search_readings,
    sort_keys,
)
from opencoop.codelists import registry
from opencoop.core.multilingual import text
from opencoop.core.sites import EVERY_AUTHORITY, SiteScope
from opencoop.exchanges.models import Exchange
from opencoop.iati.export import current_budgets, iati_file_available
from opencoop.initiatives.models import Initiative, InitiativePartner
from opencoop.organisations.models import Organisation
from opencoop.pages.published import remember
from opencoop.plans.models import AnnualPlan, PlanAllocation

CHUNK_SIZE = 500
# IATI TransactionType codes added up in the catalogue's money columns.
COMMITMENT, DISBURSEMENT, EXPENDITURE = "2", "3", "4"


# Catalogue selection ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueSelection:
    """Every activity the catalogue page lists for one query, in the page's order.

    ``rows`` are the catalogue's rows of those activities, ordered by ``keys`` (the page's
    order); downloads, feeds and the API hold activities only.
    """

    filters: CatalogueFilters
    lang: str
    rows: QuerySet[CatalogueRow]
    keys: list[SortKey]
    readings: list[list[str]] | None = None
    today: datetime.date | None = None

    def count(self) -> int:
        """Return how many activities the selection holds (from the kept counts when they can)."""
        given = kept_given(self.filters, self.readings)
        if given is not None or counts_are_kept(self.filters, self.readings):
            if CatalogueRow.ACTIVITY not in listed_kinds(self.filters):
                return 0
            activities = replace(self.filters, kind=(CatalogueRow.ACTIVITY,))
            return kept_total(activities, today=self.today, given=given)
        return self.rows.order_by().count()

    @property
    def queryset(self) -> QuerySet[Activity]:
        """Return the selection's activities, unordered (for an order of one's own: feeds)."""
        return public_activities().filter(pk__in=self.rows.order_by().values("record_id"))

    def page(self, number: int, size: int) -> Page:
        """Return one page of the selection (its activities with their public data)."""
        paginator = Paginator(self.rows.only("kind", "record_id"), size)
        paginator.count = self.count()  # a number kept for an unfiltered list: no row counted
        page = paginator.page(number)
        rows = list(page.object_list)
        page.last_row = rows[-1] if rows else None
        page.object_list = self._by_ids([row.record_id for row in rows], detail=True)
        return page

    def after(self, cursor: str | None, size: int) -> tuple[list[Activity], str | None]:
        """Return the activities after ``cursor`` (None: the first ones) and the next cursor.

        A keyset page: the database reads ``size`` rows from where the cursor points, however
        far into the selection. Raise ``BadCursor`` for a cursor this order did not write.
        """
        rows = self.rows
        try:
            if cursor:
                rows = after_cursor(rows, self.keys, read_cursor(cursor, self.keys))
            with transaction.atomic():  # a value of the wrong type fails here, not the request
                chunk = list(rows.only("kind", "record_id")[: size + 1])
        except (ValidationError, ValueError, TypeError, DatabaseError):
            raise BadCursor(cursor) from None
        following = make_cursor(chunk[size - 1], self.keys) if len(chunk) > size else None
        activities = self._by_ids([row.record_id for row in chunk[:size]], detail=True)
        return activities, following

    def cursor_after(self, page: Page) -> str:
        """Return the cursor of the page after ``page`` (its last row's sort values)."""
        return make_cursor(page.last_row, self.keys)

    def _by_ids(self, ids: list[int], *, detail: bool) -> list[Activity]:
        # Unordered: ``ids`` gives the order (an ordered query costs Django a comparison of
        # each selected column with the order while building it).
        public = public_activities().filter(pk__in=ids).order_by()
        by_id = with_public_data(public, detail=detail).in_bulk()
        return load_public_data([by_id[pk] for pk in ids if pk in by_id], detail=detail)

    def iter_activities(
        self, chunk_size: int = CHUNK_SIZE, *, detail: bool = True
    ) -> Iterator[Activity]:
        """Yield the activities with their public data, a chunk of rows in memory at a time."""
        ordered = list(self.rows.values_list("record_id", flat=True))
        for start in range(0, len(ordered), chunk_size):
            yield from self._by_ids(ordered[start : start + chunk_size], detail=detail)


def select_catalogue(
    filters: CatalogueFilters, *, lang: str, today: datetime.date | None = None
) -> CatalogueSelection:
    """Return the activities the catalogue page lists for ``filters``, all pages together."""
    refresh_stale()
    readings = search_readings(filters, today)
    keys = sort_keys(filters.effective_sort, lang, readings)
    rows = filter_rows(filters, readings=readings, today=today).filter(kind=CatalogueRow.ACTIVITY)
    return CatalogueSelection(filters, lang, ordered_rows(rows, keys), keys, readings, today)


# The children ``activity_data`` reads, each fetched for a whole batch of activities and handed
# to the activities as modelcluster's in-memory children (``activities.part_rows``: one query for
# them all on PostgreSQL, one per part elsewhere): a tenth of the time prefetch_related takes
# (it builds a queryset per activity and relation).
# The summary parts; the detail adds the other parts the record shows (``Part.json``).
CORE_CHILDREN: tuple[Part, ...] = tuple(p for p in PARTS if p.summary)
DETAIL_CHILDREN: tuple[Part, ...] = tuple(p for p in PARTS if p.json and not p.summary)


def load_public_data(activities: list[Activity], *, detail: bool = True) -> list[Activity]:
    """Fetch what ``activity_data`` reads for ``activities``: one query per kind of child.

    ``detail=False`` fetches only what a download row needs.
    """
    if not activities:
        return activities
    load_parts(activities, (*CORE_CHILDREN, *(DETAIL_CHILDREN if detail else ())))
    if detail:
        public = public_activities().only(
            "pk", "parent_id", "slug", "iati_identifier", *policy.PUBLIC_STATE_FIELDS
        )
        prefetch_related_objects(
            activities, Prefetch("children", queryset=public.order_by("iati_identifier"))
        )
    return activities


def with_public_data(qs: QuerySet[Activity], *, detail: bool = True) -> QuerySet[Activity]:
    """Select the rows ``activity_data`` reads with the activities (children: load_public_data)."""
    if detail:
        return qs.select_related("reporting_org", "parent")
    return qs.select_related("reporting_org")


def public_data_batches(
    qs: QuerySet[Activity], *, detail: bool, chunk_size: int = CHUNK_SIZE
) -> Iterator[Activity]:
    """Yield the activities of ``qs`` with their public data, one batch in memory at a time."""
    batch: list[Activity] = []
    for activity in with_public_data(qs, detail=detail).iterator(chunk_size=chunk_size):
        batch.append(activity)
        if len(batch) == chunk_size:
            yield from load_public_data(batch, detail=detail)
            batch = []
    yield from load_public_data(batch, detail=detail)


# Plain data --------------------------------------------------------------------------------------


def language_locale(lang: str) -> Locale | None:
    """Return the locale of ``lang`` (None: none), looked up once per publication."""
    return remember(("locale", lang), lambda: Locale.objects.filter(language_code=lang).first())


@dataclass
class Context:
    """What turning records into data needs besides the records: language and addresses."""

    lang: str
    base_url: str  # "https://host" without the trailing slash
    links: RecordLinks

    @classmethod
    def for_language(cls, lang: str, base_url: str) -> Context:
        return cls(lang, base_url.rstrip("/"), record_links(language_locale(lang)))

    def absolute(self, url: str) -> str | None:
        if not url:
            return None
        return url if url.startswith(("http://", "https://")) else self.base_url + url


def _label(codelist: str, code: str, lang: str) -> str:
    return registry.get(codelist).label(code, lang) if code else ""


def _code(codelist: str, code: str, lang: str) -> dict | None:
    return {"code": code, "name": _label(codelist, code, lang)} if code else None


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _organisation_ref(organisation: Organisation) -> dict:
    return {
        "slug": organisation.slug,
        "name": organisation.name,
        "identifier": organisation.identifier or None,
    }


def _coded_items(activity: Activity, relation: str, lang: str) -> list[dict]:
    """Return the rows of a part of coded items (countries, regions, sectors) as the record shows
    them: the fields its IATI element declares under their JSON names, and the code's name.

    The name is the label in the codelist of the row's vocabulary, else the code itself.
    """
    element = element_of(relation)
    code = next(a for a in element.fields if a.name == "code")
    shown = sorted(
        (a for a in element.fields if a.json),
        key=lambda a: {"vocabulary": 0, "code": 1}.get(a.name, 2),
    )
    items = []
    for row in getattr(activity, relation).all():
        item: dict[str, object] = {}
        for attribute in shown:
            value = getattr(row, attribute.field)
            item[attribute.json] = _number(value) if attribute.kind == PERCENTAGE else value
            if attribute is code:
                codelist = code.codelist or codelist_for(relation, row.vocabulary)
                item["name"] = _label(codelist, value, lang) if codelist else value
        items.append(item)
    return items


# The elements whose other vocabularies an activity keeps as the file gives them.
OTHER_VOCABULARIES = tuple(e for e in ELEMENTS if e.others_json)


def _other_vocabulary_items(activity: Activity, element: Element, lang: str) -> list[dict]:
    """Return the kept elements of other vocabularies (tags, aid types) as the record shows them:
    attributes under Python names, and the code's name where its vocabulary has a codelist."""
    items = []
    for kept in getattr(activity, element.others):
        item = {name.replace("-", "_"): value for name, value in kept.items()}
        codelist = codelist_for(element.others_codes, kept.get("vocabulary", ""))
        item["name"] = _label(codelist, kept["code"], lang) if codelist else None
        items.append(item)
    return items


def _total(items: list, activity: Activity) -> float | None:
    """Add up amounts all in the activity's currency; None when there are none or currencies
    differ."""
    if not items:
        return None
    if any(
        (item.currency or activity.default_currency) != activity.default_currency for item in items
    ):
        return None
    return _number(sum((item.value for item in items), Decimal(0)))


def budget_total(activity: Activity) -> float | None:
    """Return the total of the activity's current budgets (None: none, or mixed currencies)."""
    return _total(current_budgets(activity), activity)


def activity_data(activity: Activity, ctx: Context, *, detail: bool = True) -> dict:
    """Return what the public may know of ``activity``, its children loaded by
    ``load_public_data`` with the same ``detail``.

    ``detail=False`` leaves out what no download column shows: policy markers, locations, the
    budget and transaction lines (their totals stay), documents, parent and children.
    """
    lang = ctx.lang
    transactions = list(activity.transactions.all())
    budgets = current_budgets(activity)
    data = {
        "iati_identifier": activity.iati_identifier,
        "title": activity.title,
        "description": activity.description or {},
        "reporting_org": _organisation_ref(activity.reporting_org),
        "status": _code("ActivityStatus", activity.status, lang),
        "planned_start": activity.planned_start,
        "actual_start": activity.actual_start,
        "planned_end": activity.planned_end,
        "actual_end": activity.actual_end,
        "default_currency": activity.default_currency,
        "linked_data_uri": activity.linked_data_uri,
        "humanitarian": activity.humanitarian,
        "secondary_reporter": activity.secondary_reporter,
        "recipient_countries": _coded_items(activity, "recipient_countries", lang),
        "recipient_regions": _coded_items(activity, "recipient_regions", lang),
        "sectors": _coded_items(activity, "sectors", lang),
        "sdgs": [
            {
                "kind": "goal" if tag.vocabulary == "2" else "target",
                "code": tag.code,
                "name": _label(codelist, tag.code, lang)
                if (codelist := codelist_for("sdg_tags", tag.vocabulary))
                else tag.code,
            }
            for tag in activity.sdg_tags.all()
        ],
        **{e.others_json: _other_vocabulary_items(activity, e, lang) for e in OTHER_VOCABULARIES},
        "participating_orgs": [
            {
                "name": participant.name,
                "identifier": participant.identifier or None,
                "role": _code("OrganisationRole", participant.role, lang),
                "hidden": participant.hidden,
            }
            for participant in public_participants(activity)
        ],
        "totals": {
            "budget": budget_total(activity),
            "commitments": _total([t for t in transactions if t.type == COMMITMENT], activity),
            "disbursements": _total([t for t in transactions if t.type == DISBURSEMENT], activity),
            "expenditure": _total([t for t in transactions if t.type == EXPENDITURE], activity),
        },
        "first_published_at": activity.first_published_at,
        "last_published_at": activity.last_published_at,
        "url": ctx.absolute(ctx.links.url(activity, "activities")),
        "iati_url": ctx.absolute(reverse("opendata:iati-activity", args=[activity.iati_identifier]))
        if iati_file_available(activity)
        else None,
        "api_url": ctx.absolute(reverse("api-v1:activity", args=[activity.iati_identifier])),
    }
    if detail:
        data.update(_activity_detail(activity, ctx, budgets, transactions))
    return data


def _activity_detail(activity: Activity, ctx: Context, budgets: list, transactions: list) -> dict:
    lang = ctx.lang
    hidden_ids = hidden_organisation_ids(activity)

    def party(organisation: Organisation | None) -> dict | None:
        shown = public_organisation(organisation, hidden_ids)
        if shown is None:
            return None
        return {"name": shown.name, "identifier": shown.identifier or None, "hidden": shown.hidden}

    parent = public_parent(activity)
    return {
        **_kept_iati_elements(activity, lang),
        "policy_markers": [
            {
                "code": marker.code,
                "name": _label("PolicyMarker", marker.code, lang),
                "significance": _code("PolicySignificance", marker.significance, lang),
            }
            for marker in activity.policy_markers.all()
        ],
        "locations": [
            {
                "name": location.name or None,
                "country": _code("Country", location.country, lang),
                "latitude": _number(location.latitude),
                "longitude": _number(location.longitude),
                "exact": location.exact,
                "location_ids": location.location_ids,
                "administrative": location.administrative,
                "location_class": _code("GeographicLocationClass", location.location_class, lang),
                "feature_designation": _code("LocationType", location.feature_designation, lang),
                "ref": location.ref,
            }
            for location in public_locations(activity)
        ],
        "budgets": [
            {
                "period_start": budget.period_start,
                "period_end": budget.period_end,
                "value": _number(budget.value),
                "currency": budget.currency or activity.default_currency,
                "status": _code("BudgetStatus", budget.status, lang),
            }
            for budget in budgets
        ],
        "transactions": [
            {
                "type": _code("TransactionType", transaction.type, lang),
                "date": transaction.date,
                "value": _number(transaction.value),
                "currency": transaction.currency or activity.default_currency,
                "description": transaction.description or {},
                "provider_org": party(transaction.provider_org),
                "receiver_org": party(transaction.receiver_org),
                **_transaction_classifications(transaction, lang),
            }
            for transaction in transactions
        ],
        "planned_disbursements": [
            {
                "type": _code("BudgetType", planned.type, lang),
                "period_start": planned.period_start,
                "period_end": planned.period_end,
                "value": _number(planned.value),
                "currency": planned.currency or activity.default_currency,
                "provider_org": party(planned.provider_org),
                "receiver_org": party(planned.receiver_org),
            }
            for planned in activity.planned_disbursements.all()
        ],
        "documents": [_document(document, ctx) for document in activity.documents.all()],
        "results": [result_data(result, lang) for result in activity.results.all()],
        "parent": parent.iati_identifier if parent is not None else None,
        "children": [child.iati_identifier for child in public_children(activity)],
        "other_identifiers": [
            {
                "ref": other.ref,
                "type": _code("OtherIdentifierType", other.type, lang),
                "owner_ref": other.owner_ref or None,
                "owner_name": other.owner_name or None,
            }
            for other in activity.other_identifiers.all()
        ],
        "related_activities": [
            {
                "iati_identifier": related.ref,
                "type": _code("RelatedActivityType", related.type, lang),
                "on_portal": related.on_portal,
                "api_url": ctx.absolute(reverse("api-v1:activity", args=[related.ref]))
                if related.on_portal
                else None,
            }
            for related in public_related_activities(activity)
        ],
    }


def _kept_iati_elements(activity: Activity, lang: str) -> dict:
    """Return the activity's scope, humanitarian scope, capital spend, country budget items and
    conditions (None or [] where the activity says nothing)."""
    return {
        "scope": _code("ActivityScope", activity.scope, lang),
        "humanitarian_scopes": _coded_items(activity, "humanitarian_scopes", lang),
        "capital_spend": _number(activity.capital_spend),
        "country_budget_items": {
            "vocabulary": _code(
                "BudgetIdentifierVocabulary", activity.country_budget_vocabulary, lang
            ),
            "items": [
                {
                    "code": item.code,
                    "name": _label(codelist, item.code, lang) if codelist else item.code,
                    "percentage": _number(item.percentage),
                    "description": item.description or None,
                }
                for item in activity.country_budget_items.all()
                for codelist in [
                    codelist_for("country_budget_items", activity.country_budget_vocabulary)
                ]
            ],
        },
        "conditions": {
            "attached": activity.conditions_attached,
            "items": [
                {"type": _code("ConditionType", condition.type, lang), "text": condition.text}
                for condition in activity.conditions.all()
            ],
        },
    }


def result_data(result, lang: str) -> dict:
    """Return a result with its indicators, each with its baseline and periods."""
    return {
        "type": _code("ResultType", result.type, lang),
        "aggregation_status": result.aggregation_status,
        "title": result.title or {},
        "description": result.description or {},
        "indicators": [_indicator_data(indicator, lang) for indicator in result.indicators.all()],
    }


def _result_value(value, comment, dimensions, locations) -> dict:
    number = result_value_number(value)
    return {
        # A number, or a qualitative indicator's word.
        "value": _number(number) if number is not None else (value or None),
        "comment": comment or {},
        "dimensions": [{"name": d.get("name"), "value": d.get("value")} for d in dimensions],
        "locations": list(locations),
    }


def _indicator_data(indicator, lang: str) -> dict:
    baseline = None
    if indicator.baseline_year:
        baseline = {
            "year": indicator.baseline_year,
            "date": indicator.baseline_date,
            **_result_value(
                indicator.baseline_value,
                indicator.baseline_comment,
                indicator.baseline_dimensions,
                indicator.baseline_locations,
            ),
        }
    return {
        "title": indicator.title or {},
        "description": indicator.description or {},
        "measure": _code("IndicatorMeasure", indicator.measure, lang),
        "ascending": indicator.ascending,
        "aggregation_status": indicator.aggregation_status,
        "references": [
            {
                "vocabulary": reference.get("vocabulary"),
                "code": reference.get("code"),
                "indicator_uri": reference.get("indicator_uri"),
            }
            for reference in indicator.references
        ],
        "baseline": baseline,
        "more_baselines": [
            {
                "year": extra.get("year"),
                "date": extra.get("iso_date") or None,
                **_result_value(
                    extra.get("value") or "",
                    extra.get("comment"),
                    extra.get("dimensions") or [],
                    extra.get("locations") or [],
                ),
            }
            for extra in indicator.more_baselines
        ],
        "periods": [_period_data(period) for period in indicator.periods.all()],
    }


def _period_data(period) -> dict:
    values = {}
    for tag in ("target", "actual"):
        value, comment, dimensions, locations = (
            getattr(period, f"{tag}_{name}")
            for name in ("value", "comment", "dimensions", "locations")
        )
        has_any = value or any((comment or {}).values()) or dimensions or locations
        values[tag] = _result_value(value, comment, dimensions, locations) if has_any else None
        values[f"more_{tag}s"] = [
            _result_value(
                extra.get("value") or "",
                extra.get("comment"),
                extra.get("dimensions") or [],
                extra.get("locations") or [],
            )
            for extra in getattr(period, f"more_{tag}s")
        ]
    return {"period_start": period.period_start, "period_end": period.period_end, **values}


def _transaction_classifications(transaction: Transaction, lang: str) -> dict:
    """Return what a transaction says of itself (None or [] where it says nothing)."""
    region_codelist = codelist_for(
        "recipient_regions", transaction.recipient_region_vocabulary or DEFAULT_REGION_VOCABULARY
    )
    return {
        "disbursement_channel": _code(
            "DisbursementChannel", transaction.disbursement_channel, lang
        ),
        "sectors": [
            {**item, "name": _label(codelist, item["code"], lang) if codelist else item["code"]}
            for item in transaction.sectors
            for codelist in [
                codelist_for("sectors", item.get("vocabulary") or DEFAULT_SECTOR_VOCABULARY)
            ]
        ],
        "recipient_country": _code("Country", transaction.recipient_country, lang),
        "recipient_region": (
            {
                "code": transaction.recipient_region,
                "vocabulary": transaction.recipient_region_vocabulary or None,
                "name": _label(region_codelist, transaction.recipient_region, lang)
                if region_codelist
                else transaction.recipient_region,
            }
            if transaction.recipient_region
            else None
        ),
        "flow_type": _code("FlowType", transaction.flow_type, lang),
        "finance_type": _code("FinanceType", transaction.finance_type, lang),
        "aid_types": transaction.aid_types,
        "tied_status": _code("TiedStatus", transaction.tied_status, lang),
    }


def _document(document, ctx: Context) -> dict:
    return {
        "title": document.title,
        "url": ctx.absolute(document.href),
        "category": _code("DocumentCategory", document.category, ctx.lang),
        "language": document.language or None,
        "date": document.date,
    }


def partner_names(data: dict, lang: str) -> list[str]:
    """Name the partners of an activity's data in ``lang`` (hidden ones as "a local partner")."""
    reporting = data["reporting_org"]["identifier"]
    names = []
    for org in data["participating_orgs"]:
        if not org["hidden"] and reporting and org["identifier"] == reporting:
            continue
        name = text(org["name"], lang) if not org["hidden"] else LOCAL_PARTNER.get(lang, "")
        role = org["role"]["name"] if org["role"] else ""
        names.append(f"{name} ({role})" if role else name)
    return names


# Organisations -----------------------------------------------------------------------------------


def public_organisations(site: SiteScope = EVERY_AUTHORITY) -> QuerySet[Organisation]:
    """Return the organisations the public may see named somewhere on the site.

    Reporting authorities, partners named in a public activity (in its participants or
    transactions) and partners of published initiatives; a partner only ever shown as "a local
    partner" is left out. ``site``: the records of the site's authorities only.
    """
    public = site.restrict(public_activities()).values("pk")
    named = named_participations()
    unnamed = ParticipatingOrg.objects.exclude(pk__in=named.values("pk"))
    named_participant = named.filter(activity__in=public, organisation=OuterRef("pk"))
    named_provider = Transaction.objects.filter(
        activity__in=public, provider_org=OuterRef("pk")
    ).exclude(
        Exists(unnamed.filter(activity=OuterRef("activity"), organisation=OuterRef("provider_org")))
    )
    named_receiver = Transaction.objects.filter(
        activity__in=public, receiver_org=OuterRef("pk")
    ).exclude(
        Exists(unnamed.filter(activity=OuterRef("activity"), organisation=OuterRef("receiver_org")))
    )
    initiative_partner = InitiativePartner.objects.filter(
        initiative__in=site.records(Initiative).values("pk"), organisation=OuterRef("pk")
    )
    authorities = site.restrict(Organisation.objects.filter(is_reporting=True), "pk")
    return Organisation.objects.filter(
        Q(pk__in=authorities.values("pk"))
        | Exists(named_participant)
        | Exists(named_provider)
        | Exists(named_receiver)
        | Exists(initiative_partner)
    )


def organisation_data(organisation: Organisation, ctx: Context) -> dict:
    return {
        "slug": organisation.slug,
        "name": organisation.name,
        "identifier": organisation.identifier or None,
        "type": _code("OrganisationType", organisation.type, ctx.lang),
        "country": _code("Country", organisation.country, ctx.lang),
        "website": organisation.website or None,
        "is_reporting": organisation.is_reporting,
        "iati_activities_url": ctx.absolute(
            reverse("opendata:iati-activities", args=[organisation.identifier])
        )
        if organisation.is_reporting and organisation.identifier
        else None,
    }


# Initiatives, exchanges and plans ----------------------------------------------------------------


def _overlaps_years(years: tuple[int, ...], start: str, end: str) -> Q:
    condition = Q(pk__in=[])
    for year in years:
        first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        condition |= (Q(**{f"{start}__lte": last}) | Q(**{f"{start}__isnull": True})) & (
            Q(**{f"{end}__gte": first})
            | (Q(**{f"{end}__isnull": True}) & Q(**{f"{start}__gte": first}))
        )
    return condition


def published_initiatives(
    *,
    org: tuple[str, ...] = (),
    country: tuple[str, ...] = (),
    kind: tuple[str, ...] = (),
    year: tuple[int, ...] = (),
) -> QuerySet[Initiative]:
    """Return the published initiatives passing every filter given, newest first."""
    qs = policy.public(Initiative).select_related("reporting_org")
    if org:
        qs = qs.filter(reporting_org__slug__in=org)
    if country:
        qs = qs.filter(countries__code__in=country).distinct()
    if kind:
        qs = qs.filter(kind__in=kind)
    if year:
        qs = qs.filter(_overlaps_years(year, "start_date", "end_date"))
    return qs.prefetch_related(
        "countries",
        Prefetch("partners", queryset=InitiativePartner.objects.select_related("organisation")),
        "documents__document",
    ).order_by("-start_date", "pk")


def initiative_data(initiative: Initiative, ctx: Context) -> dict:
    return {
        "id": initiative.pk,
        "kind": {"code": initiative.kind, "name": str(initiative.get_kind_display())},
        "title": initiative.title,
        "summary": initiative.summary or {},
        "reporting_org": _organisation_ref(initiative.reporting_org),
        "start_date": initiative.start_date,
        "end_date": initiative.end_date,
        "place": initiative.place or {},
        "website": initiative.website or None,
        "countries": [_code("Country", c.code, ctx.lang) for c in initiative.countries.all()],
        "partners": [
            {**_organisation_ref(partner.organisation), "role": partner.role or {}}
            for partner in initiative.partners.all()
        ],
        "documents": [_document(document, ctx) for document in initiative.documents.all()],
        "first_published_at": initiative.first_published_at,
        "last_published_at": initiative.last_published_at,
        "url": ctx.absolute(ctx.links.url(initiative, "initiatives")),
    }


def published_exchanges(
    *,
    org: tuple[str, ...] = (),
    country: tuple[str, ...] = (),
    kind: tuple[str, ...] = (),
    year: tuple[int, ...] = (),
) -> QuerySet[Exchange]:
    """Return the published seminars and exchanges passing every filter given, newest first."""
    qs = policy.public(Exchange).select_related("reporting_org")
    if org:
        qs = qs.filter(reporting_org__slug__in=org)
    if country:
        qs = qs.filter(country__in=country)
    if kind:
        qs = qs.filter(kind__in=kind)
    if year:
        qs = qs.filter(_overlaps_years(year, "start_date", "end_date"))
    return qs.order_by("-start_date", "pk")


def exchange_data(exchange: Exchange, ctx: Context) -> dict:
    return {
        "id": exchange.pk,
        "kind": {"code": exchange.kind, "name": str(exchange.get_kind_display())},
        "title": exchange.title,
        "summary": exchange.summary or {},
        "theme": exchange.theme or {},
        "reporting_org": _organisation_ref(exchange.reporting_org),
        "country": _code("Country", exchange.country, ctx.lang),
        "place": exchange.place or {},
        "start_date": exchange.start_date,
        "end_date": exchange.end_date,
        "participants": exchange.participants,
        "first_published_at": exchange.first_published_at,
        "last_published_at": exchange.last_published_at,
        "url": ctx.absolute(ctx.links.url(exchange, "exchanges")),
    }


def published_plans(
    *, org: tuple[str, ...] = (), year: tuple[int, ...] = ()
) -> QuerySet[AnnualPlan]:
    """Return the published annual plans passing every filter given, newest year first."""
    qs = policy.public(AnnualPlan).select_related("reporting_org")
    if org:
        qs = qs.filter(reporting_org__slug__in=org)
    if year:
        qs = qs.filter(year__in=year)
    allocations = PlanAllocation.objects.filter(
        activity__in=public_activities().values("pk")
    ).select_related("activity")
    return qs.prefetch_related(
        "documents__document", Prefetch("allocations", queryset=allocations)
    ).order_by("-year", "pk")


def plan_data(plan: AnnualPlan, ctx: Context) -> dict:
    return {
        "id": plan.pk,
        "year": plan.year,
        "title": plan.title,
        "summary": plan.summary or {},
        "approving_act": plan.approving_act or {},
        "reporting_org": _organisation_ref(plan.reporting_org),
        "planned_total": _number(plan.planned_total),
        "currency": plan.currency,
        "documents": [_document(document, ctx) for document in plan.documents.all()],
        # Only public activities: an allocation must not reveal a draft or embargoed one.
        "allocations": [
            {
                "iati_identifier": allocation.activity.iati_identifier,
                "amount": _number(allocation.amount),
            }
            for allocation in plan.allocations.all()
        ],
        "first_published_at": plan.first_published_at,
        "last_published_at": plan.last_published_at,
        "url": ctx.absolute(ctx.links.url(plan, "plans")),
    }


# schema.org --------------------------------------------------------------------------------------


def _schema_organisation(name: dict, identifier: str, lang: str) -> dict:
    data = {"@type": "Organization", "name": text(name, lang)}
    if identifier:
        data["identifier"] = identifier
    return data


def activity_schema_org(activity: Activity, *, lang: str, url: str = "") -> dict:
    """Describe ``activity`` as a schema.org Project: hidden partners and places stay out."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Project",
        "name": text(activity.title, lang),
        "identifier": activity.iati_identifier,
    }
    description = text(activity.description, lang)
    if description:
        data["description"] = description
    if url:
        data["url"] = url
    countries = [rc.code for rc in activity.recipient_countries.all()]
    if countries:
        data["areaServed"] = [
            {"@type": "Country", "name": _label("Country", code, lang), "identifier": code}
            for code in countries
        ]
    places = []
    for location in public_locations(activity):
        place: dict = {"@type": "Place"}
        if location.exact and text(location.name, lang):
            place["name"] = text(location.name, lang)
        if location.country:
            place["address"] = {"@type": "PostalAddress", "addressCountry": location.country}
        if location.exact and location.latitude is not None and location.longitude is not None:
            place["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": float(location.latitude),
                "longitude": float(location.longitude),
            }
        if len(place) > 1:
            places.append(place)
    if places:
        data["location"] = places
    reporting = activity.reporting_org
    data["funder"] = _schema_organisation(reporting.name, reporting.identifier, lang)
    members = [
        _schema_organisation(p.name, p.identifier, lang)
        for p in public_participants(activity)
        if not p.hidden and p.organisation_id != reporting.pk
    ]
    if members:
        data["member"] = members
    return data


def initiative_schema_org(initiative: Initiative, *, lang: str, url: str = "") -> dict:
    """Describe ``initiative`` as a schema.org Event organised by its reporting authority."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": text(initiative.title, lang),
    }
    summary = text(initiative.summary, lang)
    if summary:
        data["description"] = summary
    if url:
        data["url"] = url
    if initiative.start_date:
        data["startDate"] = initiative.start_date.isoformat()
    if initiative.end_date:
        data["endDate"] = initiative.end_date.isoformat()
    place = text(initiative.place, lang)
    if place:
        data["location"] = {"@type": "Place", "name": place}
    countries = [c.code for c in initiative.countries.all()]
    if countries:
        # The countries an initiative is about, not where it takes place.
        data["about"] = [
            {"@type": "Country", "name": _label("Country", code, lang), "identifier": code}
            for code in countries
        ]
    reporting = initiative.reporting_org
    data["organizer"] = _schema_organisation(reporting.name, reporting.identifier, lang)
    return data
