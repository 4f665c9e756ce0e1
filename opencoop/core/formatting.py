"""Write dates and numbers for a reader: CLDR's forms through Babel, in the active language.

Every public template and page-building function formats through here, so that a date or a
figure reads the same on every page. Django's own formats write "01 Settembre 2025" in Italian
(a capital month and a padded day) and "Sept. 1, 2025" in English; CLDR writes "1 settembre
2025" and, with the British English forms European readers expect, "1 September 2025".
"""

from __future__ import annotations

import datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from functools import cache, lru_cache

from babel.dates import format_date
from django.utils.formats import get_format, number_format
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
    return _written_date(value, "long", babel_locale(lang))


def short_date(value: datetime.date | None, lang: str | None = None) -> str:
    """Write a date with a short month name: "1 gen 2023", "1 Jan 2023" (never 01/05/2023)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    return _written_date(value, "medium", babel_locale(lang))


@lru_cache(maxsize=8192)
def _written_date(value: datetime.date, form: str, locale: str) -> str:
    """Write ``value`` in ``form`` for ``locale``, once: a list page writes the same few dates
    over and over (40 on a page of results), at 20 µs each through Babel."""
    return format_date(value, form, locale=locale)


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


@cache
def _separators(lang: str | None) -> tuple[str, str] | None:
    """Return the decimal and thousands separators of ``lang``, or None: not grouped by three."""
    if get_format("NUMBER_GROUPING", lang) != 3:
        return None
    return str(get_format("DECIMAL_SEPARATOR", lang)), str(get_format("THOUSAND_SEPARATOR", lang))


def grouped(value: Decimal | int, places: int) -> str:
    """Write ``value`` as ``number_format(value, places, force_grouping=True)`` does.

    A statistics page writes some 500 figures: Django's function looks up the language's three
    formats at each call, a quarter of the page's time. The separators of each language are
    looked up once here; a grouping other than by three, or a float (which Django truncates
    where formatting rounds), takes Django's function.
    """
    lang = get_language()
    separators = _separators(lang)
    if separators is None or isinstance(value, (float, bool)):
        return number_format(value, places, force_grouping=True)
    if isinstance(value, Decimal):
        _sign, digits, exponent = value.as_tuple()
        if not value.is_finite() or abs(exponent) + len(digits) > 200:
            return number_format(value, places, force_grouping=True)
        # As Django: a value too small to show is zero (unsigned), and the places beyond
        # ``places`` are cut, where formatting would round them.
        if abs(value) < Decimal("0." + "1".rjust(places, "0")):
            value = Decimal(0)
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
        written = f"{value:,.{places}f}"
    else:
        written = f"{value:,}{'.' + '0' * places if places else ''}"
    decimal, thousands = separators
    return written.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def display_number(value: Decimal | int) -> str:
    """Write a figure in the active language: grouped thousands, cents for amounts."""
    if isinstance(value, Decimal):
        return grouped(value.quantize(CENT), 2)
    return grouped(value, 0)


def whole_number(value: Decimal | float | int | None) -> str:
    """Write a count (people, projects) as a whole number: "1.250", never "320,00"."""
    if value is None or value == "":
        return ""
    return grouped(round(Decimal(str(value))), 0)


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
    return grouped(number, places)
