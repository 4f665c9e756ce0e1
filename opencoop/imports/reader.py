"""Read a spreadsheet (XLSX, or one CSV file per sheet) into plain rows; no database involved."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath

from django.utils.translation import gettext as _

from .mapping import COLUMNS, SHEETS

MAX_ROWS = 5000


@dataclass(frozen=True)
class Row:
    """One spreadsheet row: its sheet, its number as the spreadsheet shows it, its cells."""

    sheet: str
    number: int
    cells: dict[str, object]

    def as_json(self) -> dict:
        return {"sheet": self.sheet, "number": self.number, "cells": _jsonable(self.cells)}

    @classmethod
    def from_json(cls, data: dict) -> Row:
        return cls(data["sheet"], data["number"], data["cells"])


@dataclass
class Workbook:
    """The rows of every known sheet, and what could not be read at all."""

    rows: list[Row] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    def error(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.errors.append({"sheet": sheet, "row": row, "column": column, "message": message})


def _jsonable(cells: dict[str, object]) -> dict[str, object]:
    result = {}
    for key, value in cells.items():
        if isinstance(value, datetime.datetime):
            value = value.date().isoformat()
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        result[key] = value
    return result


def _rows_from_table(book: Workbook, sheet: str, table: list[list[object]]) -> None:
    """Take the first row as headings and the others as data, checking the headings."""
    if not table:
        return
    headers = [str(h).strip().lower() if h is not None else "" for h in table[0]]
    known = {c.header for c in COLUMNS[sheet]}
    for position, header in enumerate(headers, start=1):
        if header and header not in known:
            book.error(
                sheet,
                1,
                header,
                _("unknown column (column %(position)d); the template lists the columns.")
                % {"position": position},
            )
    for column in COLUMNS[sheet]:
        if column.required and column.header not in headers:
            book.error(sheet, 1, column.header, _("this required column is missing."))
    if len(table) - 1 > MAX_ROWS:
        book.error(
            sheet,
            None,
            "",
            _("more than %(max)d rows: split the file.") % {"max": MAX_ROWS},
        )
        return
    for number, values in enumerate(table[1:], start=2):
        cells = {h: v for h, v in zip(headers, values, strict=False) if h in known}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
            continue
        book.rows.append(Row(sheet, number, cells))


def read_xlsx(content: bytes) -> Workbook:
    """Read the known sheets of an XLSX workbook (other sheets, e.g. instructions, are skipped)."""
    from openpyxl import load_workbook

    book = Workbook()
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors for a damaged file
        book.error(
            "",
            None,
            "",
            _("The file is not a readable XLSX workbook (%(error)s).") % {"error": exc},
        )
        return book
    names = {name.strip().lower(): name for name in workbook.sheetnames}
    if not any(sheet in names for sheet in SHEETS):
        book.error(
            "",
            None,
            "",
            _("No sheet is named %(names)s: start from the template.")
            % {"names": ", ".join(SHEETS)},
        )
    for sheet in SHEETS:
        if sheet in names:
            table = [list(r) for r in workbook[names[sheet]].iter_rows(values_only=True)]
            _rows_from_table(book, sheet, table)
    workbook.close()
    return book


def read_csv(files: list[tuple[str, bytes]]) -> Workbook:
    """Read CSV files named after their sheet (activities.csv, budgets.csv, transactions.csv)."""
    book = Workbook()
    for name, content in files:
        sheet = PurePath(name).stem.strip().lower()
        if sheet not in SHEETS:
            book.error(
                name,
                None,
                "",
                _("Name the CSV file after its sheet: %(names)s.")
                % {"names": ", ".join(f"{s}.csv" for s in SHEETS)},
            )
            continue
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            book.error(sheet, None, "", _("The file is not UTF-8 text: save it as “CSV UTF-8”."))
            continue
        try:
            dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=",;\t")
            delimiter = dialect.delimiter
        except csv.Error:
            delimiter = ","
        table = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
        _rows_from_table(book, sheet, table)
    return book


def read_upload(files: list[tuple[str, bytes]]) -> Workbook:
    """Read an uploaded XLSX workbook or set of CSV files."""
    if len(files) == 1 and files[0][0].lower().endswith(".xlsx"):
        return read_xlsx(files[0][1])
    if files and all(name.lower().endswith(".csv") for name, _content in files):
        return read_csv(files)
    book = Workbook()
    book.error("", None, "", _("Upload one .xlsx workbook, or one or more .csv files."))
    return book
