"""The one rule every CSV writer of the portal applies: text never runs as a formula."""

import csv
import io
from decimal import Decimal

import pytest

from opencoop.opendata.csvfiles import csv_writer, line_writer, neutralise


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-30000", "'-30000"),  # a text typed by someone: OWASP's rule, no exception
        ("Wells = water", "Wells = water"),
        ("", ""),
        (Decimal("-30000.00"), Decimal("-30000.00")),
        (-5, -5),
        (-2.5, -2.5),
        (None, None),
    ],
)
def test_text_is_neutralised_and_numbers_are_kept(value, written):
    assert neutralise(value) == written


def test_both_writers_apply_the_rule_to_every_cell():
    buffer = io.StringIO()
    csv_writer(buffer).writerows([["=A1", Decimal("-1.50")], ["@x", "ok"]])
    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [
        ["'=A1", "-1.50"],
        ["'@x", "ok"],
    ]
    assert line_writer().writerow(["+cmd", -3]) == "'+cmd,-3\r\n"


def test_decimal_comma_writes_numbers_with_a_comma_and_keeps_them_numbers():
    writer = line_writer(delimiter=";", decimal_comma=True)
    line = writer.writerow([Decimal("-30000.00"), 1234.5, 7, "-1+1", "1.5"])
    # Numbers take the comma and are not quoted as text; typed text is neutralised as ever.
    assert line == "-30000,00;1234,5;7;'-1+1;1.5\r\n"
