"""Write CSV files that a spreadsheet opens as data, never as formulas.

Every CSV the portal writes (catalogue and CRS downloads, statistics tables, import templates)
goes through :func:`csv_writer` or :func:`line_writer`, so the rule lives here only.

The rule is OWASP's "CSV injection" advice: a text cell starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return is prefixed with a single quote, so that Excel, LibreOffice and
Google Sheets show it as text instead of evaluating it (``=HYPERLINK(...)``, ``@SUM(...)``).
OWASP asks for every such cell to be escaped; we apply it to every *text* cell (titles, names,
descriptions, codes: anything a person typed) and leave the numbers the portal computes itself
(``int``, ``float``, ``Decimal``: a negative amount such as ``-30000.00``) as they are, so that
numeric columns stay numeric. A number cannot carry a formula, so nothing is lost. Writers
must therefore hand numbers over as numbers, not as pre-formatted strings.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

# The first characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Return ``value`` safe for a spreadsheet: text that looks like a formula gets a quote.

    Numbers (``int``, ``float``, ``Decimal``; not ``bool``) and ``None`` are returned unchanged.
    """
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if value is None or isinstance(value, int | float | Decimal):
        return value
    # Anything else (a lazy translation, a date) is written by csv as its text: judge that text.
    return neutralise(str(value))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


class SafeWriter:
    """A ``csv.writer`` whose cells are neutralised (see the module's docstring).

    With ``decimal_comma`` numbers are written with a comma as the decimal mark ("1234,5"),
    for spreadsheets set to Italian; they are numbers still, so they are not neutralised.
    """

    def __init__(self, file: Any, *, decimal_comma: bool = False, **fmtparams: Any) -> None:
        self._writer = csv.writer(file, **fmtparams)
        self._decimal_comma = decimal_comma

    def _cell(self, value: Any) -> Any:
        if self._decimal_comma and _is_number(value):
            return str(value).replace(".", ",")
        return neutralise(value)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([self._cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(file: Any, *, decimal_comma: bool = False, **fmtparams: Any) -> SafeWriter:
    """Return a CSV writer on ``file`` that neutralises formula-like text cells."""
    return SafeWriter(file, decimal_comma=decimal_comma, **fmtparams)


class _Line:
    """A file-like object that hands back what the writer writes (one row at a time)."""

    def write(self, value: str) -> str:
        return value


def line_writer(*, decimal_comma: bool = False, **fmtparams: Any) -> SafeWriter:
    """Return a writer whose ``writerow`` returns the CSV line, for streamed downloads."""
    return SafeWriter(_Line(), decimal_comma=decimal_comma, **fmtparams)
