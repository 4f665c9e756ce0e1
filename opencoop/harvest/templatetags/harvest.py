"""The provenance line of a harvested activity on its public page."""

from __future__ import annotations

from django import template

from opencoop.access import policy

register = template.Library()


@register.inclusion_tag("harvest/provenance.html")
def harvest_provenance(activity) -> dict:
    """Say which portal publishes ``activity`` and when it last updated it (public activities only)."""
    provenance = None
    if policy.is_public(activity):
        # Read with the activity by the record's page (``select_related``), else one query.
        provenance = getattr(activity, "harvest_provenance", None)
        if provenance is not None and provenance.withdrawn_at is not None:
            provenance = None
    return {"provenance": provenance}
