"""Put a figure on a page: its chart, its table with links and formatted numbers, its CSV."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.safestring import SafeString

from opencoop.core.formatting import display_number

from .charts import chart_for
from .links import CatalogueLinks
from .tables import FigureRow, FigureTable


@dataclass(frozen=True)
class ShownRow:
    row: FigureRow
    url: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Figure:
    """A table ready for the template ``stats/components/figure.html``."""

    table: FigureTable
    chart: SafeString | str
    csv_url: str
    rows: tuple[ShownRow, ...]
    footer: ShownRow | None


def present(
    table: FigureTable, *, csv_url: str, links: CatalogueLinks | None, chart: bool = True
) -> Figure:
    """Format ``table`` for a page, linking each code to the catalogue when it can be filtered."""

    def shown(row: FigureRow, link: bool = True) -> ShownRow:
        url = links.url(table.filter_param, row.code) if links and link else ""
        return ShownRow(row, url, tuple(display_number(value) for value in row.values))

    return Figure(
        table=table,
        chart=chart_for(table) if chart else "",
        csv_url=csv_url,
        rows=tuple(shown(row) for row in table.rows),
        footer=shown(table.footer, link=False) if table.footer else None,
    )


def csv_response(table: FigureTable, filename: str) -> HttpResponse:
    """Return ``table`` as a CSV download (UTF-8, comma-separated, one header line)."""
    response = HttpResponse(table.csv_text(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
