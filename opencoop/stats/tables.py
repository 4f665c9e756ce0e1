"""The shape of a figure: a table of rows by code, its columns by measure and currency, its CSV.

A chart, the table under it, its CSV download and the map all read one ``FigureTable``, built by
``opencoop.stats.selectors``: they cannot disagree.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from opencoop.opendata.csvfiles import csv_writer

EUR = "EUR"
CENT = Decimal("0.01")

# Measures in the order columns are shown; "activities" is a count, the others are amounts.
MEASURES: dict[str, str] = {
    "activities": _("Activities"),
    "planned": _("Planned in annual plans"),
    "budget": _("Budgets"),
    "allocated": _("Allocated to activities"),
    "committed": _("Committed"),
    "disbursed": _("Disbursed and spent"),
    "paid_since": _("Paid on them since the plan's year"),
}


@dataclass(frozen=True)
class Column:
    """One column: a count of activities, or one measure in one currency."""

    measure: str
    currency: str = ""

    @property
    def key(self) -> str:
        """Return the CSV header of the column ("activities", "committed_EUR")."""
        return f"{self.measure}_{self.currency}" if self.currency else self.measure

    @property
    def is_amount(self) -> bool:
        return bool(self.currency)

    @property
    def label(self) -> str:
        name = str(MEASURES[self.measure])
        return f"{name} ({self.currency})" if self.currency else name


@dataclass(frozen=True)
class FigureRow:
    """One row: a code (country, sector, year…), its label, one value per column of the table."""

    code: str
    label: str
    values: tuple[Decimal | int, ...]


@dataclass(frozen=True)
class FigureTable:
    """A table of figures, as shown under a chart and downloaded as CSV."""

    slug: str
    title: str
    code_label: str
    columns: tuple[Column, ...]
    rows: tuple[FigureRow, ...]
    note: str = ""
    # The catalogue's GET parameter that filters by this table's codes ("" if none).
    filter_param: str = ""
    footer: FigureRow | None = None
    extra: dict = field(default_factory=dict, compare=False)

    def index(self, measure: str, currency: str = "") -> int | None:
        """Return the position of a column, or None when the table has no such column."""
        for position, column in enumerate(self.columns):
            if column.measure == measure and column.currency == currency:
                return position
        return None

    def value(self, row: FigureRow, measure: str, currency: str = "") -> Decimal | int:
        """Return one value of ``row`` (zero when the table has no such column)."""
        position = self.index(measure, currency)
        return row.values[position] if position is not None else 0

    @property
    def currencies(self) -> list[str]:
        """Return the currencies of the table's amounts, euro first."""
        seen: list[str] = []
        for column in self.columns:
            if column.currency and column.currency not in seen:
                seen.append(column.currency)
        return seen

    @property
    def has_amounts(self) -> bool:
        return any(
            column.is_amount and any(row.values[i] for row in self.rows)
            for i, column in enumerate(self.columns)
        )

    def csv_rows(self) -> Iterator[list[str | Decimal | int]]:
        """Yield the CSV: a header, then one line per row, values as plain numbers."""
        yield ["code", "label", *(column.key for column in self.columns)]
        for row in self.rows:
            yield [row.code, row.label, *(csv_number(value) for value in row.values)]
        if self.footer is not None:
            yield [self.footer.code, self.footer.label, *map(csv_number, self.footer.values)]

    def csv_text(self) -> str:
        """Return the CSV as text (labels neutralised for spreadsheets, figures as numbers)."""
        buffer = io.StringIO()
        writer = csv_writer(buffer, lineterminator="\n")
        writer.writerows(self.csv_rows())
        return buffer.getvalue()


def csv_number(value: Decimal | int) -> Decimal | int:
    """Return a figure for a CSV file as a number: the writer prints it as ``plain_number``."""
    if isinstance(value, Decimal):
        return value.quantize(CENT)
    return value


def plain_number(value: Decimal | int) -> str:
    """Write a figure for a CSV file: no grouping, a point before the cents."""
    if isinstance(value, Decimal):
        return str(value.quantize(CENT))
    return str(value)


def order_columns(columns: Iterable[Column]) -> tuple[Column, ...]:
    """Order columns: the count first, then euro amounts, then other currencies by code."""
    measure_order = list(MEASURES)
    return tuple(
        sorted(
            set(columns),
            key=lambda c: (
                bool(c.currency),
                c.currency != EUR,
                c.currency,
                measure_order.index(c.measure),
            ),
        )
    )
