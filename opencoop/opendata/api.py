"""The read-only JSON API (django-ninja), mounted at /api/v1/ with its OpenAPI description.

Thin handlers: the filters and ``lang`` are read by the catalogue's parser
(``catalogue.filters.parse_output_query``), as by the downloads and the feeds; the data is
``records``' plain data, and the shapes are ``schemas``. Only what the public may see is served.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Path, Query
from ninja.errors import HttpError, ValidationError
from ninja.openapi.docs import Swagger

from opencoop.activities.disclosure import public_activities
from opencoop.catalogue.filters import FilterError, parse_language, parse_output_query
from opencoop.catalogue.selectors import BadCursor
from opencoop.core.sites import site_languages, site_scope
from opencoop.operations.pagecache import reads_query

from .downloads import error_data, licence
from .records import (
    Context,
    activity_data,
    exchange_data,
    initiative_data,
    load_public_data,
    organisation_data,
    plan_data,
    public_organisations,
    published_exchanges,
    published_initiatives,
    published_plans,
    select_catalogue,
    with_public_data,
)
from .schemas import (
    ActivityList,
    ActivityOut,
    ActivityQuery,
    Error,
    ExchangeList,
    ExchangeOut,
    ExchangeQuery,
    InitiativeList,
    InitiativeOut,
    InitiativeQuery,
    LangQuery,
    OrganisationList,
    OrganisationOut,
    OrganisationQuery,
    PageQuery,
    PlanList,
    PlanOut,
    PlanQuery,
    RecordId,
    in_schema_order,
)

DESCRIPTION = """Read-only access to what the portal publishes: activities (IATI 2.03),
organisations, initiatives, seminars and exchanges, and annual plans.

The filters of `/activities` are those of the catalogue page: the same parameter names and values,
so that `?country=BF&sector=14030` gives the same activities here, on the catalogue page and in
the CSV, XLSX and JSON downloads. Values of one parameter combine with OR, parameters with AND.
Pages: `page` (numbered pages), or `cursor` for keyset pages (`/activities` only): ask with
`cursor=` (empty) for the first page, then pass each answer's `next_cursor`; a page asked by
cursor costs the same however far into the list it is, a numbered page more the further it is.
Partners shown as "a local partner" to protect the people involved are never named or identified.
"""

api = NinjaAPI(
    title="OpenCoop API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    # Swagger UI from the files django-ninja ships (no CDN); no call to the online validator.
    docs=Swagger(settings={"validatorUrl": None}),
)

# Bad parameters (400) and a record or page that does not exist (404).
ERRORS = {400: Error, 404: Error}


# Errors ------------------------------------------------------------------------------------------


def _error(request: HttpRequest, status: int, detail: str, errors: list[str]) -> HttpResponse:
    """Answer in the open data outputs' one error shape: {"detail": …, "errors": […]}."""
    if status == 404:
        # LocaleMiddleware would redirect a 404 of an address without a language prefix to
        # /it/… (the page tree's catch-all matches it); the API's own addresses, without
        # i18n_patterns, make it leave the answer alone.
        request.urlconf = "opencoop.opendata.api_urls"
    return api.create_response(request, {"detail": detail, "errors": errors}, status=status)


@api.exception_handler(ValidationError)
def invalid_parameters(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Say which parameter was wrong and why, as 400 (ninja's own answer would be 422).

    In the language asked when ``lang`` itself is valid; pydantic's own messages are English.
    """
    with translation.override(parse_language(request.GET, languages=site_languages(request))[0]):
        errors = []
        for error in exc.errors:
            loc = [part for part in error.get("loc", ()) if part not in ("query", "path")]
            where = ".".join(str(part) for part in loc)
            kind, limits = error.get("type"), error.get("ctx") or {}
            # The value as sent, not the whole list of codes: the OpenAPI description has it.
            value = _sent(request, loc)[:60]
            # A slug that cannot be one (its pattern) is as unknown as a code not in its list.
            if kind in ("literal_error", "string_pattern_mismatch"):
                message = _("“%(value)s” is not a known value.") % {"value": value}
            elif kind in ("int_parsing", "int_type", "int_from_float"):
                message = _("“%(value)s” is not a whole number.") % {"value": value}
            elif kind == "greater_than_equal":
                message = _("“%(value)s” is less than %(limit)s, the smallest allowed.") % {
                    "value": value,
                    "limit": limits.get("ge"),
                }
            elif kind == "less_than_equal":
                message = _("“%(value)s” is more than %(limit)s, the largest allowed.") % {
                    "value": value,
                    "limit": limits.get("le"),
                }
            elif kind == "bool_parsing":
                message = _("“%(value)s” is neither true nor false.") % {"value": value}
            else:
                message = error.get("msg", "")  # pydantic's own, in English
            errors.append(f"{where}: {message}")
        return _error(request, 400, _("Some parameters are not valid."), errors)


def _sent(request: HttpRequest, loc: list) -> str:
    """Return the query value an error location points to ("" when there is none)."""
    if not loc or not isinstance(loc[0], str):
        return ""
    values = request.GET.getlist(loc[0])
    position = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else -1
    try:
        return values[position]
    except IndexError:
        return ""


@api.exception_handler(FilterError)
def invalid_filters(request: HttpRequest, exc: FilterError) -> HttpResponse:
    return api.create_response(request, error_data(exc), status=400)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc), [])


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, str(exc) or _("Not found."), [])


# Helpers -----------------------------------------------------------------------------------------


def _language(request: HttpRequest, lang: str) -> str:
    """Return ``lang`` if the site offers it (not sent: the site's first); else a 400."""
    asked = {"lang": lang} if "lang" in request.GET else {}
    checked, problems = parse_language(asked, languages=site_languages(request))
    if problems:
        raise FilterError(problems, checked)
    return checked


def _context(request: HttpRequest, lang: str) -> Context:
    return Context.for_language(lang, request.build_absolute_uri("/"))


def _page_url(request: HttpRequest, number: int) -> str:
    params = request.GET.copy()
    params["page"] = str(number)
    return request.build_absolute_uri(request.path + "?" + params.urlencode())


def _no_page(number: int, count: int, size: int) -> HttpError:
    last = max(1, math.ceil(count / size))
    return HttpError(
        404,
        _("There is no page %(page)d: the last page is %(last)d.") % {"page": number, "last": last},
    )


def _page(paginator: Paginator, number: int) -> Page:
    try:
        return paginator.page(number)
    except EmptyPage:
        raise _no_page(number, paginator.count, paginator.per_page) from None


def _listing(request: HttpRequest, page: Page, query: PageQuery, to_data: Callable) -> dict:
    """Return one page of results with counts, neighbouring pages and the licence."""
    reads_query(request, type(query).model_fields)
    ctx = _context(request, translation.get_language())
    return {
        "count": page.paginator.count,
        "page": page.number,
        "page_size": query.page_size,
        "num_pages": page.paginator.num_pages,
        "next": _page_url(request, page.next_page_number()) if page.has_next() else None,
        "previous": _page_url(request, page.previous_page_number())
        if page.has_previous()
        else None,
        "licence": licence(request),
        "results": [to_data(item, ctx) for item in page.object_list],
    }


def _paged(request: HttpRequest, qs: QuerySet, query: PageQuery, to_data: Callable) -> dict:
    with translation.override(_language(request, query.lang)):
        return _listing(request, _page(Paginator(qs, query.page_size), query.page), query, to_data)


def _with_children(to_data: Callable) -> Callable:
    """Load an activity's children before turning it into data."""
    return lambda activity, ctx: to_data(load_public_data([activity])[0], ctx)


def _one(request: HttpRequest, qs: QuerySet, lang: str, to_data: Callable, **lookup) -> dict:
    reads_query(request, ["lang"])
    lang = _language(request, lang)
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise Http404(_("Nothing public has this address."))
    with translation.override(lang):
        return to_data(obj, _context(request, lang))


# Activities --------------------------------------------------------------------------------------


@api.get(
    "/activities",
    response={200: ActivityList, **ERRORS},
    url_name="activities",
    tags=["activities"],
    summary="List activities with the catalogue's filters",
)
def list_activities(request: HttpRequest, query: Query[ActivityQuery]):  # type: ignore[valid-type]
    """List the public activities passing the catalogue's filters, in the catalogue's order."""
    data = query.dict()
    if "lang" not in request.GET:
        del data["lang"]  # the schema's default is the portal's language, not the site's
    asked = parse_output_query(
        data,
        paged=True,
        within=site_scope(request).authorities,
        languages=site_languages(request),
    )
    filters = asked.filters
    with translation.override(asked.lang):
        selection = select_catalogue(filters, lang=asked.lang)
        if query.cursor is not None:
            return _as_built(request, _keyset_listing(request, selection, query))
        try:
            page = selection.page(filters.page, query.page_size)
        except EmptyPage:
            raise _no_page(filters.page, selection.count(), query.page_size) from None
        listing = _listing(request, page, query, activity_data)
        listing["next_cursor"] = selection.cursor_after(page) if page.has_next() else None
        return _as_built(request, listing)


def _as_built(request: HttpRequest, listing: dict) -> HttpResponse:
    """Answer with ``listing`` as built, not validated again against ``ActivityList``.

    ``activity_data`` builds each record in the schema's shape (the tests compare them); checking
    every field of a page of full records again took a third of the answer's time. The decorator's
    schema still describes the answer in the OpenAPI document.
    """
    return api.create_response(request, in_schema_order(ActivityList, listing), status=200)


def _keyset_listing(request: HttpRequest, selection, query) -> dict:
    """Return the activities after ``query.cursor``, read from where it points (keyset)."""
    reads_query(request, type(query).model_fields)
    try:
        activities, following = selection.after(query.cursor, query.page_size)
    except BadCursor:
        raise HttpError(
            400,
            _("Cursor (cursor): “%(value)s” is not a cursor of this list.")
            % {"value": query.cursor[:40]},
        ) from None
    count = selection.count()
    ctx = _context(request, translation.get_language())
    params = request.GET.copy()
    params.pop("page", None)
    if following:
        params["cursor"] = following
    return {
        "count": count,
        "page": None,
        "page_size": query.page_size,
        "num_pages": max(1, math.ceil(count / query.page_size)),
        "next": request.build_absolute_uri(request.path + "?" + params.urlencode())
        if following
        else None,
        "previous": None,
        "next_cursor": following,
        "licence": licence(request),
        "results": [activity_data(activity, ctx) for activity in activities],
    }


@api.get(
    "/activities/{iati_identifier}",
    response={200: ActivityOut, **ERRORS},
    url_name="activity",
    tags=["activities"],
    summary="One activity by IATI identifier",
)
def get_activity(request: HttpRequest, iati_identifier: str, lang: Query[LangQuery]):
    """Return one public activity."""
    activity = with_public_data(site_scope(request).restrict(public_activities())).filter(
        iati_identifier=iati_identifier
    )
    return _one(request, activity, lang.lang, _with_children(activity_data))


# Organisations -----------------------------------------------------------------------------------


@api.get(
    "/organisations",
    response={200: OrganisationList, **ERRORS},
    url_name="organisations",
    tags=["organisations"],
    summary="List the organisations named on the portal",
)
def list_organisations(request: HttpRequest, query: Query[OrganisationQuery]):
    """List reporting authorities and the partners the portal names (never hidden ones)."""
    qs = public_organisations(site_scope(request))
    if query.reporting is not None:
        qs = qs.filter(is_reporting=query.reporting)
    if query.country:
        qs = qs.filter(country__in=query.country)
    return _paged(request, qs.order_by("slug"), query, organisation_data)


@api.get(
    "/organisations/{slug}",
    response={200: OrganisationOut, **ERRORS},
    url_name="organisation",
    tags=["organisations"],
    summary="One organisation by slug",
)
def get_organisation(request: HttpRequest, slug: str, lang: Query[LangQuery]):
    """Return one organisation the portal names."""
    organisations = public_organisations(site_scope(request))
    return _one(request, organisations, lang.lang, organisation_data, slug=slug)


# Initiatives, exchanges, plans -------------------------------------------------------------------


@api.get(
    "/initiatives",
    response={200: InitiativeList, **ERRORS},
    url_name="initiatives",
    tags=["initiatives"],
    summary="List initiatives",
)
def list_initiatives(request: HttpRequest, query: Query[InitiativeQuery]):
    """List the published initiatives, newest first."""
    qs = published_initiatives(
        org=tuple(query.org),
        country=tuple(query.country),
        kind=tuple(query.kind),
        year=tuple(query.year),
    )
    return _paged(request, site_scope(request).restrict(qs), query, initiative_data)


@api.get(
    "/initiatives/{id}",
    response={200: InitiativeOut, **ERRORS},
    url_name="initiative",
    tags=["initiatives"],
    summary="One initiative by id",
)
def get_initiative(request: HttpRequest, id: Path[RecordId], lang: Query[LangQuery]):
    """Return one published initiative."""
    qs = site_scope(request).restrict(published_initiatives())
    return _one(request, qs, lang.lang, initiative_data, pk=id)


@api.get(
    "/exchanges",
    response={200: ExchangeList, **ERRORS},
    url_name="exchanges",
    tags=["exchanges"],
    summary="List seminars and exchanges",
)
def list_exchanges(request: HttpRequest, query: Query[ExchangeQuery]):
    """List the published seminars, workshops and exchanges, newest first."""
    qs = published_exchanges(
        org=tuple(query.org),
        country=tuple(query.country),
        kind=tuple(query.kind),
        year=tuple(query.year),
    )
    return _paged(request, site_scope(request).restrict(qs), query, exchange_data)


@api.get(
    "/exchanges/{id}",
    response={200: ExchangeOut, **ERRORS},
    url_name="exchange",
    tags=["exchanges"],
    summary="One seminar or exchange by id",
)
def get_exchange(request: HttpRequest, id: Path[RecordId], lang: Query[LangQuery]):
    """Return one published seminar or exchange."""
    qs = site_scope(request).restrict(published_exchanges())
    return _one(request, qs, lang.lang, exchange_data, pk=id)


@api.get(
    "/plans",
    response={200: PlanList, **ERRORS},
    url_name="plans",
    tags=["plans"],
    summary="List annual plans",
)
def list_plans(request: HttpRequest, query: Query[PlanQuery]):
    """List the published annual plans, newest year first."""
    qs = published_plans(org=tuple(query.org), year=tuple(query.year))
    return _paged(request, site_scope(request).restrict(qs), query, plan_data)


@api.get(
    "/plans/{id}",
    response={200: PlanOut, **ERRORS},
    url_name="plan",
    tags=["plans"],
    summary="One annual plan by id",
)
def get_plan(request: HttpRequest, id: Path[RecordId], lang: Query[LangQuery]):
    """Return one published annual plan."""
    qs = site_scope(request).restrict(published_plans())
    return _one(request, qs, lang.lang, plan_data, pk=id)
