"""Template filters for figures: ``{% load figures %}``."""

from __future__ import annotations

from decimal import Decimal

from django import template

from opencoop.core.formatting import display_number

register = template.Library()


@register.filter
def figure(value: Decimal | int | None) -> str:
    """Write a count or an amount in the active language ("–" when there is none)."""
    if value is None or value == "":
        return "–"
    return display_number(value)
