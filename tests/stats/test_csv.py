"""The statistics tables' CSV: labels never run as formulas, figures stay plain numbers."""

import csv
import io
from decimal import Decimal

from opencoop.stats.presentation import csv_response
from opencoop.stats.tables import Column, FigureRow, FigureTable


def table_with(label: str, *values: Decimal | int) -> FigureTable:
    columns = (Column("activities"), Column("committed", "EUR"))
    return FigureTable(
        slug="plans",
        title="Plans",
        code_label="Plan",
        columns=columns,
        rows=(FigureRow("2024", label, values),),
        footer=FigureRow("", "=SUM(C2:C9)", values),
    )


def test_labels_are_neutralised_and_negative_amounts_stay_numbers():
    table = table_with('=HYPERLINK("http://evil.example","Plan 2024")', 3, Decimal("-30000"))
    rows = list(csv.reader(io.StringIO(table.csv_text())))
    assert rows == [
        ["code", "label", "activities", "committed_EUR"],
        ["2024", '\'=HYPERLINK("http://evil.example","Plan 2024")', "3", "-30000.00"],
        ["", "'=SUM(C2:C9)", "3", "-30000.00"],
    ]


def test_the_download_is_the_neutralised_table():
    response = csv_response(table_with("@cmd", 1, Decimal("12.5")), "plans.csv")
    text = response.content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1] == ["2024", "'@cmd", "1", "12.50"]
