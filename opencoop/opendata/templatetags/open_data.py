"""Template tags of the open data: schema.org JSON-LD and the IATI file link of record pages."""

from __future__ import annotations

import json

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from opencoop.activities.models import Activity
from opencoop.iati.export import iati_file_available
from opencoop.initiatives.models import Initiative

from ..records import activity_schema_org, initiative_schema_org

register = template.Library()

# As django.utils.html.json_script: no "</script>" or comment opener can end the data block.
JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld(data: dict) -> SafeString:
    """Return ``data`` in a JSON-LD data block (data, not script: the CSP allows it)."""
    payload = json.dumps(data, ensure_ascii=False, sort_keys=False).translate(JSON_ESCAPES)
    # Escaped above: the payload cannot close the block.
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')


@register.simple_tag(takes_context=True)
def activity_json_ld(context: template.Context, activity: Activity) -> SafeString:
    """Describe the activity of the page for search engines (schema.org Project)."""
    url = context.get("canonical_url", "")
    return json_ld(activity_schema_org(activity, lang=get_language(), url=url))


@register.simple_tag(takes_context=True)
def initiative_json_ld(context: template.Context, initiative: Initiative) -> SafeString:
    """Describe the initiative of the page for search engines (schema.org Event)."""
    url = context.get("canonical_url", "")
    return json_ld(initiative_schema_org(initiative, lang=get_language(), url=url))


@register.filter
def has_iati_file(activity: Activity) -> bool:
    """Say whether the activity's IATI file exists (public, with every required element)."""
    return iati_file_available(activity)
