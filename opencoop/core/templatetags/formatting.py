"""Template filters for dates and numbers: ``{% load formatting %}`` (see ``core.formatting``)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import template

from opencoop.core import formatting

register = template.Library()


@register.filter
def long_date(value: datetime.date | None) -> str:
    """``{{ record.since|long_date }}`` → "1 settembre 2025"."""
    return formatting.long_date(value)


@register.filter
def short_date(value: datetime.date | None) -> str:
    """``{{ transaction.date|short_date }}`` → "1 set 2025" (tables)."""
    return formatting.short_date(value)


@register.simple_tag
def date_span(start: datetime.date | None, end: datetime.date | None) -> str:
    """``{% date_span b.period_start b.period_end %}`` → "1 gen 2023 – 31 dic 2023"."""
    return formatting.date_span(start, end)


@register.filter
def amount(value: Decimal | int | None) -> str:
    """``{{ budget.value|amount }}`` → "12.500,00" ("" when there is none)."""
    if value is None or value == "":
        return ""
    return formatting.display_number(Decimal(str(value)))


@register.filter
def whole_number(value: Decimal | int | None) -> str:
    """``{{ group.total|whole_number }}`` → "1.250": people and projects are counted whole."""
    return formatting.whole_number(value)


@register.filter
def measured_value(value: Decimal | int | None) -> str:
    """``{{ result.actual_value|measured_value }}`` → "320" or "12,5"."""
    return formatting.measured_value(value)
