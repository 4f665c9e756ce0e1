"""``country_url``: the one way a template links a country's name to the country's page."""

from __future__ import annotations

from django import template

from opencoop.geography.countries import country_url as url_of
from opencoop.geography.countries import index_url

register = template.Library()


@register.filter
def country_url(code: str) -> str:
    """Return the address of country ``code``'s page in the active language ("" when none).

    ``<a href="{{ code|country_url }}">``; a country without public records has no page.
    """
    return url_of(code or "")


@register.simple_tag
def country_list_url() -> str:
    """Return the address of the list of partner countries in the active language."""
    return index_url()
