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
        # One query, only on the activity page.
        from opencoop.harvest.models import HarvestedActivity

        provenance = (
            HarvestedActivity.objects.filter(activity=activity, withdrawn_at__isnull=True)
            .select_related("source")
            .first()
        )
    return {"provenance": provenance}
