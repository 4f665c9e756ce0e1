"""Template filters for multilingual text."""

from django import template
from django.utils.safestring import SafeString

from opencoop.core.multilingual import as_html, text

register = template.Library()


@register.filter
def ml(value: dict | None) -> SafeString:
    """Render a multilingual value in the reader's language; a fallback carries its ``lang``.

    Returns escaped HTML: Django would turn any other object into a plain string first.
    """
    return as_html(value)


@register.filter
def ml_text(value: dict | None) -> str:
    """Return the plain text of a multilingual value (for attributes and titles)."""
    return text(value)
