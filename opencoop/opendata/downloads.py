"""CSV, XLSX, JSON and IATI downloads of the activity catalogue, with the catalogue page's filters.

One row per activity. The columns are declared once (``COLUMNS``): the files, their metadata and
the data dictionary on the Open data page all read them. Rows are produced by a generator over
``records.CatalogueSelection``, so a download of any size holds one chunk of activities at a time.
The IATI file of a selection is written by the authority files' streaming writer
(``opencoop.iati.export``), with the same public-only rules.
"""

from __future__ import annotations

import datetime
import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from wagtail.models import Site

from opencoop.access import policy
from opencoop.catalogue.filters import (
    CatalogueFilters,
    FilterError,
    Problem,
    parse_output_query,
)
from opencoop.core.models import PortalSettings
from opencoop.core.multilingual import text
from opencoop.core.sites import (
    file_name_prefix,
    in_site,
    site_languages,
    site_scope,
    site_settings,
)
from opencoop.iati.export import NothingToPublish, iter_activities_xml
from opencoop.opendata.streams import marked

from .csvfiles import line_writer
from .records import (
    CatalogueSelection,
    Context,
    activity_data,
    partner_names,
    select_catalogue,
)

SEPARATOR = "; "
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON_CONTENT_TYPE = "application/json"
XML_CONTENT_TYPE = "application/xml; charset=utf-8"


# Columns ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of the downloads: its name in the files, what it holds, how it is read."""

    key: str
    label: Promise
    description: Promise
    value: Callable[[dict, str], object]
    type: str = "text"  # text, date, datetime, number or url


def _joined(items: list[str]) -> str:
    return SEPARATOR.join(item for item in items if item)


def _with_share(name: str, percentage: float | None, show: bool) -> str:
    if percentage is None or not show:
        return name
    return f"{name} ({percentage:g}%)"


def _named_shares(items: list[dict]) -> str:
    return _joined([_with_share(i["name"], i["percentage"], len(items) > 1) for i in items])


def _codes(items: list[dict]) -> str:
    return _joined([i["code"] for i in items])


COLUMNS: list[Column] = [
    Column(
        "iati_identifier",
        _("IATI identifier"),
        _(
            "The activity's identifier: the reporting organisation's identifier, a hyphen, then "
            "the project code."
        ),
        lambda d, lang: d["iati_identifier"],
    ),
    Column(
        "title",
        _("Title"),
        _("The title in the language of the download (else in the first language it has)."),
        lambda d, lang: text(d["title"], lang),
    ),
    Column(
        "description",
        _("Description"),
        _("The general description, in the language of the download when written in it."),
        lambda d, lang: text(d["description"], lang),
    ),
    Column(
        "reporting_org",
        _("Reporting organisation"),
        _("The authority that runs and reports the activity."),
        lambda d, lang: text(d["reporting_org"]["name"], lang),
    ),
    Column(
        "reporting_org_identifier",
        _("Reporting organisation identifier"),
        _("Its IATI organisation identifier."),
        lambda d, lang: d["reporting_org"]["identifier"] or "",
    ),
    Column(
        "status",
        _("Status"),
        _("The activity's status (IATI ActivityStatus codelist)."),
        lambda d, lang: d["status"]["name"] if d["status"] else "",
    ),
    Column(
        "status_code",
        _("Status code"),
        _(
            "The code of the status (1 pipeline, 2 implementation, 3 finalisation, 4 closed, "
            "5 cancelled, 6 suspended)."
        ),
        lambda d, lang: d["status"]["code"] if d["status"] else "",
    ),
    Column(
        "planned_start",
        _("Planned start"),
        _("Planned start date (YYYY-MM-DD)."),
        lambda d, lang: d["planned_start"],
        "date",
    ),
    Column(
        "actual_start",
        _("Actual start"),
        _("Actual start date (YYYY-MM-DD)."),
        lambda d, lang: d["actual_start"],
        "date",
    ),
    Column(
        "planned_end",
        _("Planned end"),
        _("Planned end date (YYYY-MM-DD)."),
        lambda d, lang: d["planned_end"],
        "date",
    ),
    Column(
        "actual_end",
        _("Actual end"),
        _("Actual end date (YYYY-MM-DD)."),
        lambda d, lang: d["actual_end"],
        "date",
    ),
    Column(
        "countries",
        _("Recipient countries"),
        _("Country names, separated by “; ”, each with its share when there are several."),
        lambda d, lang: _named_shares(d["recipient_countries"]),
    ),
    Column(
        "country_codes",
        _("Recipient country codes"),
        _("ISO 3166-1 alpha-2 codes of the recipient countries, separated by “; ”."),
        lambda d, lang: _codes(d["recipient_countries"]),
    ),
    Column(
        "regions",
        _("Recipient regions"),
        _("Region names, separated by “; ”."),
        lambda d, lang: _named_shares(d["recipient_regions"]),
    ),
    Column(
        "sectors",
        _("Sectors"),
        _(
            "Sector names (OECD DAC), separated by “; ”, each with its share when there are "
            "several."
        ),
        lambda d, lang: _named_shares(d["sectors"]),
    ),
    Column(
        "sector_codes",
        _("Sector codes"),
        _("OECD DAC purpose codes (5 digits) or sector categories (3 digits), separated by “; ”."),
        lambda d, lang: _codes(d["sectors"]),
    ),
    Column(
        "sdgs",
        _("Sustainable Development Goals"),
        _("The goals and targets the activity contributes to, separated by “; ”."),
        lambda d, lang: _joined([f"{t['code']} – {t['name']}" for t in d["sdgs"]]),
    ),
    Column(
        "partners",
        _("Partners"),
        _(
            "The other organisations taking part, with their role, separated by “; ”. A partner "
            "that must stay unnamed for its safety is shown as “a local partner”."
        ),
        lambda d, lang: _joined(partner_names(d, lang)),
    ),
    Column(
        "currency",
        _("Currency"),
        _("The currency of the amounts (ISO 4217)."),
        lambda d, lang: d["default_currency"],
    ),
    Column(
        "budget",
        _("Budget"),
        _(
            "The total of the budgets (a revised budget replacing the original); empty when "
            "the budgets are in more than one currency."
        ),
        lambda d, lang: d["totals"]["budget"],
        "number",
    ),
    Column(
        "commitments",
        _("Commitments"),
        _("The total of the commitments (IATI transaction type 2)."),
        lambda d, lang: d["totals"]["commitments"],
        "number",
    ),
    Column(
        "disbursements",
        _("Disbursements"),
        _("The total of the disbursements (IATI transaction type 3)."),
        lambda d, lang: d["totals"]["disbursements"],
        "number",
    ),
    Column(
        "expenditure",
        _("Expenditure"),
        _("The total of the expenditure (IATI transaction type 4)."),
        lambda d, lang: d["totals"]["expenditure"],
        "number",
    ),
    Column(
        "url",
        _("Page"),
        _("The address of the activity's page on this portal."),
        lambda d, lang: d["url"] or "",
        "url",
    ),
    Column(
        "iati_url",
        _("IATI file"),
        _(
            "The address of the activity as an IATI 2.03 XML file; empty while the activity lacks "
            "an element IATI requires."
        ),
        lambda d, lang: d["iati_url"] or "",
        "url",
    ),
    Column(
        "last_published_at",
        _("Last published"),
        _("When the activity was last published (ISO 8601, with time zone)."),
        lambda d, lang: d["last_published_at"],
        "datetime",
    ),
]

COLUMN_KEYS = [column.key for column in COLUMNS]


def row_values(data: dict, lang: str) -> list:
    """Return one activity's values in column order (dates and numbers as Python values)."""
    return [column.value(data, lang) for column in COLUMNS]


def iter_rows(selection: CatalogueSelection, ctx: Context) -> Iterator[list]:
    """Yield one row per activity of ``selection``."""
    for activity in selection.iter_activities(detail=False):
        yield row_values(activity_data(activity, ctx, detail=False), ctx.lang)


# Metadata ----------------------------------------------------------------------------------------


def licence(request: HttpRequest | None = None) -> dict:
    """Return the licence of the portal's content as the downloads state it."""
    if request is not None:
        portal = site_settings(request)
    else:
        portal = PortalSettings.for_site(Site.objects.get(is_default_site=True))
    return {"id": portal.licence, "name": str(portal.licence_name), "url": portal.licence_url}


def download_querystring(filters: CatalogueFilters, lang: str) -> str:
    """Return "?…" reproducing ``filters`` (without the page) in ``lang``."""
    pairs = [pair for pair in filters.query_pairs() if pair[0] != "page"]
    return "?" + urlencode([*pairs, ("lang", lang)])


def download_urls(filters: CatalogueFilters, lang: str) -> dict[str, str]:
    """Return the address of each download of ``filters`` (for links on pages)."""
    query = download_querystring(filters, lang)
    urls = {
        name: reverse(f"opendata:catalogue-{name}") + query
        for name in ("csv", "xlsx", "json", "metadata")
    }
    urls["csv_excel_it"] = urls["csv"] + "&" + urlencode({"dialect": EXCEL_IT})
    urls["iati"] = reverse("opendata:catalogue-iati") + query
    urls["atom"] = reverse("opendata:feed-activities-atom") + query
    return urls


def metadata(
    request: HttpRequest, filters: CatalogueFilters, lang: str, count: int | None = None
) -> dict:
    """Describe a download: source, licence, time, filters, the count and the columns."""
    from opencoop.catalogue.models import CataloguePage

    with translation.override(lang):
        portal = PortalSettings.for_request(request)
        pages = in_site(CataloguePage.objects.all(), Site.find_for_request(request))
        catalogue = policy.public_pages(pages.filter(locale__language_code=lang)).first()
        source = (
            request.build_absolute_uri(catalogue.url) + filters.querystring()
            if catalogue is not None and catalogue.url
            else request.build_absolute_uri("/")
        )
        urls = download_urls(filters, lang)
        described = {
            "title": str(_("Activities of the catalogue")),
            "publisher": text(portal.site_title, lang) or settings.WAGTAIL_SITE_NAME,
            "source": source,
            "licence": licence(request),
            "generated_at": timezone.now().isoformat(timespec="seconds"),
            "language": lang,
            "filters": {param: value for param, value in _filter_lists(filters).items()},
            "count": count,
            "files": {name: request.build_absolute_uri(url) for name, url in urls.items()},
            "columns": [
                {
                    "key": column.key,
                    "label": str(column.label),
                    "type": column.type,
                    "description": str(column.description),
                }
                for column in COLUMNS
            ],
        }
    if count is None:
        del described["count"]
    return described


def _filter_lists(filters: CatalogueFilters) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for param, value in filters.active:
        result.setdefault(param, []).append(value)
    if filters.sort:
        result["sort"] = [filters.sort]
    return result


# Writers -----------------------------------------------------------------------------------------


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        # A number, not a text: the CSV writer leaves it as it is (a negative amount included).
        return Decimal(f"{value:.2f}")
    return value


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV download writes its fields and numbers, and what it starts with."""

    delimiter: str = ","
    decimal_comma: bool = False
    bom: str = ""


# Italian Excel reads ";" as the separator and "," as the decimal mark, and takes a file for
# UTF-8 only when it starts with a byte-order mark.
EXCEL_IT = "excel-it"
CSV_DIALECTS: dict[str, CsvDialect] = {
    "": CsvDialect(),
    EXCEL_IT: CsvDialect(delimiter=";", decimal_comma=True, bom="\ufeff"),
}


def iter_csv(
    selection: CatalogueSelection, ctx: Context, dialect: CsvDialect = CSV_DIALECTS[""]
) -> Iterator[str]:
    """Yield the CSV file line by line: a header of column keys, then one line per activity."""
    writer = line_writer(delimiter=dialect.delimiter, decimal_comma=dialect.decimal_comma)
    yield dialect.bom + writer.writerow(COLUMN_KEYS)
    for row in iter_rows(selection, ctx):
        yield writer.writerow([_csv_value(value) for value in row])


def csv_dialect(request: HttpRequest, lang: str) -> CsvDialect:
    """Return the CSV dialect asked with ``dialect``; raise FilterError naming a bad one."""
    name = request.GET.get("dialect", "")
    if name in CSV_DIALECTS:
        return CSV_DIALECTS[name]
    with translation.override(lang):
        message = str(
            _("CSV dialect (dialect): “%(value)s” is not known; use %(known)s or leave it out.")
            % {"value": name[:30], "known": EXCEL_IT}
        )
    raise FilterError([Problem("dialect", name, message, message)], lang)


def _json_value(value: object) -> object:
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    return value


def iter_json(selection: CatalogueSelection, ctx: Context, described: dict) -> Iterator[str]:
    """Yield a JSON document: the metadata (licence first), then ``activities``, one by one."""
    head = {"licence": described["licence"], **described}
    opening = json.dumps(head, cls=DjangoJSONEncoder, ensure_ascii=False)
    yield opening[:-1] + ', "activities": ['
    for number, row in enumerate(iter_rows(selection, ctx)):
        item = {key: _json_value(value) for key, value in zip(COLUMN_KEYS, row, strict=True)}
        prefix = "\n" if number == 0 else ",\n"
        yield prefix + json.dumps(item, cls=DjangoJSONEncoder, ensure_ascii=False)
    yield "\n]}\n"


def _xlsx_cell(sheet, value: object) -> WriteOnlyCell:
    if isinstance(value, datetime.datetime):
        # Excel has no time zones: the local time of the portal is written.
        value = timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str):
        # A text starting with "=" stays text: a spreadsheet must never run it as a formula.
        cell.data_type = "s"
    return cell


def write_xlsx(selection: CatalogueSelection, ctx: Context, described: dict, target) -> None:
    """Write the workbook to ``target``: the activities, then an "About" and a "Columns" sheet.

    openpyxl's write-only mode keeps rows in a temporary file, not in memory.
    """
    workbook = Workbook(write_only=True)
    with translation.override(ctx.lang):
        activities = workbook.create_sheet(str(_("Activities")))
        activities.append(COLUMN_KEYS)
        for row in iter_rows(selection, ctx):
            activities.append([_xlsx_cell(activities, value) for value in row])
        about = workbook.create_sheet(str(_("About")))
        for key, value in _about_rows(described):
            about.append([_xlsx_cell(about, key), _xlsx_cell(about, value)])
        dictionary = workbook.create_sheet(str(_("Columns")))
        dictionary.append([str(_("Column")), str(_("Name")), str(_("Type")), str(_("Meaning"))])
        for column in described["columns"]:
            dictionary.append(
                [
                    _xlsx_cell(dictionary, value)
                    for value in (
                        column["key"],
                        column["label"],
                        column["type"],
                        column["description"],
                    )
                ]
            )
    workbook.save(target)


def _about_rows(described: dict) -> list[tuple[str, str]]:
    filters = "; ".join(f"{k}={','.join(v)}" for k, v in described["filters"].items())
    return [
        (str(_("Title")), described["title"]),
        (str(_("Publisher")), described["publisher"]),
        (str(_("Source")), described["source"]),
        (str(_("Licence")), described["licence"]["name"]),
        (str(_("Licence address")), described["licence"]["url"]),
        (str(_("Generated at")), described["generated_at"]),
        (str(_("Language")), described["language"]),
        (str(_("Filters")), filters or str(_("none"))),
        (str(_("Activities")), str(described.get("count", ""))),
    ]


# Views -------------------------------------------------------------------------------------------


def error_data(error: FilterError) -> dict:
    """Return the open data outputs' one JSON shape of a 400, the API's: a summary and a list."""
    with translation.override(error.lang):
        return {"detail": str(_("Some parameters are not valid.")), "errors": error.messages}


def bad_request(error: FilterError, *, as_json: bool) -> HttpResponse:
    """Answer 400 with one line per value not understood (JSON or plain text)."""
    if as_json:
        return JsonResponse(
            error_data(error), status=400, json_dumps_params={"ensure_ascii": False}
        )
    with translation.override(error.lang):
        heading = str(_("The request was not understood:"))
    body = "\n".join([heading, *error.messages]) + "\n"
    return HttpResponse(body, status=400, content_type="text/plain; charset=utf-8")


def _selection(request: HttpRequest) -> tuple[CatalogueFilters, str, CatalogueSelection]:
    query = parse_output_query(
        request.GET, within=site_scope(request).authorities, languages=site_languages(request)
    )
    return query.filters, query.lang, select_catalogue(query.filters, lang=query.lang)


def _file_headers(response: HttpResponse, request: HttpRequest, filters, lang, filename) -> None:
    """Name the file and state its licence and metadata in the headers (RFC 8288 links)."""
    response["Content-Disposition"] = content_disposition_header(True, filename)
    described_by = request.build_absolute_uri(
        reverse("opendata:catalogue-metadata") + download_querystring(filters, lang)
    )
    response["Link"] = (
        f'<{licence(request)["url"]}>; rel="license", '
        f'<{described_by}>; rel="describedby"; type="application/json"'
    )


def _context(request: HttpRequest, lang: str) -> Context:
    return Context.for_language(lang, request.build_absolute_uri("/"))


@require_safe
def catalogue_csv(request: HttpRequest) -> HttpResponse:
    """Stream the catalogue's activities for the query's filters as CSV."""
    try:
        filters, lang, selection = _selection(request)
        dialect = csv_dialect(request, lang)
    except FilterError as error:
        return bad_request(error, as_json=False)
    response = StreamingHttpResponse(
        marked(iter_csv(selection, _context(request, lang), dialect), "csv"),
        content_type=CSV_CONTENT_TYPE,
    )
    suffix = "-excel-it" if dialect.decimal_comma else ""
    _file_headers(
        response,
        request,
        filters,
        lang,
        f"{file_name_prefix(request)}activities-{lang}{suffix}.csv",
    )
    return response


@require_safe
def catalogue_json(request: HttpRequest) -> HttpResponse:
    """Stream the catalogue's activities for the query's filters as JSON, with the licence."""
    try:
        filters, lang, selection = _selection(request)
    except FilterError as error:
        return bad_request(error, as_json=True)
    described = metadata(request, filters, lang, selection.count())
    response = StreamingHttpResponse(
        marked(iter_json(selection, _context(request, lang), described), "json"),
        content_type=JSON_CONTENT_TYPE,
    )
    _file_headers(
        response, request, filters, lang, f"{file_name_prefix(request)}activities-{lang}.json"
    )
    return response


@require_safe
def catalogue_xlsx(request: HttpRequest) -> HttpResponse:
    """Send the catalogue's activities for the query's filters as an XLSX workbook."""
    try:
        filters, lang, selection = _selection(request)
    except FilterError as error:
        return bad_request(error, as_json=False)
    described = metadata(request, filters, lang, selection.count())
    # The workbook is written to a temporary file (deleted when closed), then streamed.
    target = tempfile.TemporaryFile(suffix=".xlsx")
    write_xlsx(selection, _context(request, lang), described, target)
    target.seek(0)
    response = FileResponse(target, content_type=XLSX_CONTENT_TYPE)
    _file_headers(
        response, request, filters, lang, f"{file_name_prefix(request)}activities-{lang}.xlsx"
    )
    return response


@require_safe
def catalogue_metadata(request: HttpRequest) -> HttpResponse:
    """Describe the downloads of the query's filters: licence, source, count and columns."""
    try:
        filters, lang, selection = _selection(request)
    except FilterError as error:
        return bad_request(error, as_json=True)
    described = metadata(request, filters, lang, selection.count())
    response = JsonResponse(described, json_dumps_params={"ensure_ascii": False})
    response["Link"] = f'<{described["licence"]["url"]}>; rel="license"'
    return response


@require_safe
def catalogue_iati(request: HttpRequest) -> HttpResponse:
    """Stream the catalogue's activities for the query's filters as an IATI 2.03 activity file.

    The file holds the public activities of the selection that have every element IATI
    requires, as the authorities' files do; with none, there is no valid file (404, plain text).
    """
    try:
        filters, lang, selection = _selection(request)
    except FilterError as error:
        return bad_request(error, as_json=False)
    try:
        chunks = iter_activities_xml(selection.queryset, base_url=request.build_absolute_uri("/"))
    except NothingToPublish:
        with translation.override(lang):
            message = str(
                _(
                    "No activity of this list has every element IATI 2.03 requires: "
                    "there is no IATI file of it."
                )
            )
        return HttpResponse(message + "\n", status=404, content_type="text/plain; charset=utf-8")
    response = StreamingHttpResponse(marked(chunks, "xml"), content_type=XML_CONTENT_TYPE)
    _file_headers(
        response, request, filters, lang, f"{file_name_prefix(request)}activities-{lang}.xml"
    )
    return response
