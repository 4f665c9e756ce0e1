"""``country_url``: the one way a template links a country's name to the country's page."""

from __future__ import annotations

from django import template

from opencoop.geography.countries import country_url as url_of

register = template.Library()


@register.filter
def country_url(code: str) -> str:
    """Return the address of country ``code``'s page in the active language ("" when none).

    ``<a href="{{ code|country_url }}">``; a country without public records has no page.
    """
    return url_of(code or "")
