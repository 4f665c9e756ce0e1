"""Template filters that label IATI codes: ``{% load codelists %}``."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from .. import registry

register = template.Library()


@register.filter
def codelist_label(value: Any, codelist_name: str) -> str | SafeString:
    """Return the label of code ``value`` in the active language, marked up for fallbacks.

    ``{{ activity.country|codelist_label:"Country" }}``. When the label is not in the active
    language (e.g. English shown on the Italian site) it is wrapped in ``<span lang="en">``
    so that screen readers pronounce it correctly. Empty values give "".
    """
    if value is None or value == "":
        return ""
    label, label_lang = registry.get(codelist_name).label_with_lang(str(value))
    if label_lang and label_lang != registry.resolve_language():
        return format_html('<span lang="{}">{}</span>', label_lang, label)
    return label


@register.filter
def codelist_text(value: Any, codelist_name: str) -> str:
    """Return the plain-text label of code ``value`` in the active language ("" if empty).

    ``{{ activity.country|codelist_text:"Country" }}``, for titles, attributes and feeds.
    """
    if value is None or value == "":
        return ""
    return registry.get(codelist_name).label(str(value))
