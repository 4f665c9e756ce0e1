"""Write dates and numbers for a reader: CLDR's forms through Babel, in the active language.

Every public template and page-building function formats through here, so that a date or a
figure reads the same on every page. Django's own formats write "01 Settembre 2025" in Italian
(a capital month and a padded day) and "Sept. 1, 2025" in English; CLDR writes "1 settembre
2025" and, with the British English forms European readers expect, "1 September 2025".
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from babel.dates import format_date
from django.utils.formats import number_format
from django.utils.translation import get_language

# English is written the British way: day before month, as the rest of the portal's readers do.
_BABEL_LOCALES = {"en": "en_GB"}
CENT = Decimal("0.01")


def babel_locale(lang: str | None = None) -> str:
    """Return the Babel locale for ``lang`` (default: the active language)."""
    code = (lang or get_language() or "it").replace("-", "_").split("_")[0].lower()
    return _BABEL_LOCALES.get(code, code)


def long_date(value: datetime.date | None, lang: str | None = None) -> str:
    """Write a date in full: "1 settembre 2025", "1 September 2025" ("" when there is none)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    return format_date(value, "long", locale=babel_locale(lang))


def short_date(value: datetime.date | None, lang: str | None = None) -> str:
    """Write a date with a short month name: "1 gen 2023", "1 Jan 2023" (never 01/05/2023)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    return format_date(value, "medium", locale=babel_locale(lang))


def date_span(
    start: datetime.date | None, end: datetime.date | None, lang: str | None = None
) -> str:
    """Write a period: "1 gen 2023 – 31 dic 2023"; an unknown end or start is an ellipsis.

    Both ends are written in full rather than with CLDR's interval patterns: the Italian one
    pads the day ("01 gen – 31 dic 2023"), and a full date at each end reads the same anywhere.
    """
    if start is None and end is None:
        return ""
    first = short_date(start, lang) if start else "…"
    last = short_date(end, lang) if end else "…"
    return f"{first} – {last}"


def display_number(value: Decimal | int) -> str:
    """Write a figure in the active language: grouped thousands, cents for amounts."""
    if isinstance(value, Decimal):
        return number_format(value.quantize(CENT), 2, force_grouping=True)
    return number_format(value, 0, force_grouping=True)


def whole_number(value: Decimal | float | int | None) -> str:
    """Write a count (people, projects) as a whole number: "1.250", never "320,00"."""
    if value is None or value == "":
        return ""
    return number_format(round(Decimal(str(value))), 0, force_grouping=True)


def measured_value(value: Decimal | float | int | str | None) -> str:
    """Write a measured value with the decimals it has and no more: "320", "12,5".

    A qualitative indicator's value is a word ("Yes"): written as it is.
    """
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    if number == number.to_integral_value():
        return whole_number(number)
    places = -number.normalize().as_tuple().exponent
    return number_format(number, places, force_grouping=True)
