"""Template filters for multilingual text."""

from django import template

from opencoop.core.multilingual import LocalizedText, pick

register = template.Library()


@register.filter
def ml(value: dict | None) -> LocalizedText:
    """Render a multilingual value in the reader's language; a fallback carries its ``lang``."""
    return pick(value)


@register.filter
def ml_text(value: dict | None) -> str:
    """Return the plain text of a multilingual value (for attributes and titles)."""
    return pick(value).text
