"""``country_link`` and ``country_url``: the one way a template links a country's name to its page."""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

from opencoop.codelists.templatetags.codelists import codelist_label
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
def country_link(code: str, label: str | None = None) -> SafeString:
    """Return the name of country ``code`` linked to its page, or the name alone without one.

    ``{% country_link c.code %}``; ``label`` replaces the codelist's name (a figure row's own).
    """
    name = codelist_label(code, "Country") if label is None else label
    url = url_of(code or "")
    return format_html('<a href="{}">{}</a>', url, name) if url else conditional_escape(name)


@register.simple_tag
def country_list_url() -> str:
    """Return the address of the list of partner countries in the active language."""
    return index_url()
