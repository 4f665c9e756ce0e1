"""What the atlas's comparison pages show: its tables, and each authority's profile.

Plain functions over ``opencoop.stats`` selectors (the same figures as every statistics page),
so that the comparison, its CSV downloads and an authority's own pages cannot disagree. The
atlas counts an activity reported by two authorities once (``opencoop.atlas.duplicates``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from opencoop.codelists import registry
from opencoop.core.sites import SiteScope
from opencoop.organisations.models import Organisation
from opencoop.stats.charts import chart_for
from opencoop.stats.presentation import Figure, present
from opencoop.stats.selectors import (
    COUNTED_ONCE,
    Scope,
    by_authority,
    by_country,
    by_partner,
    by_sector_group,
    by_year,
)
from opencoop.stats.tables import FigureTable

from .duplicates import CountedOnce

# The atlas's tables, in page order; each has a CSV download by its slug.
COMPARISON: dict[str, Callable[[Scope], FigureTable]] = {
    "by-authority": by_authority,
    "by-country": by_country,
    "by-sector-group": by_sector_group,
    "by-year": by_year,
}
# An authority's tables on its profile.
PROFILE: dict[str, Callable[[Scope], FigureTable]] = {
    "by-year": by_year,
    "by-country": by_country,
    "by-partner": by_partner,
}


def present_table(table: FigureTable, *, csv_url: str, links) -> Figure:
    """Present ``table``; its chart leaves out the row that takes records counted twice off."""
    figure = present(table, csv_url=csv_url, links=links)
    if any(row.code == COUNTED_ONCE for row in table.rows):
        drawn = dataclasses.replace(
            table, rows=tuple(row for row in table.rows if row.code != COUNTED_ONCE)
        )
        figure = dataclasses.replace(figure, chart=chart_for(drawn))
    return figure


class ProfileLinks:
    """Link each authority of the comparison by authority to its profile in the atlas."""

    def __init__(self, base: str, slugs: set[str]) -> None:
        self.base = base
        self.slugs = slugs

    def __bool__(self) -> bool:
        return bool(self.base)

    def url(self, param: str, code: str) -> str:
        return f"{self.base}{code}/" if code in self.slugs else ""


def compared_authority(site: SiteScope, slug: str) -> Organisation | None:
    """Return the authority ``slug`` if the atlas covers it and it has public activities."""
    authority = Organisation.objects.filter(slug=slug, is_reporting=True).first()
    if authority is None or not site.covers(authority.pk):
        return None
    if not Scope(authority).activities().exists():
        return None
    return authority


@dataclass(frozen=True)
class Profile:
    """What an authority's profile says of it before its tables."""

    authority: Organisation
    type_label: str
    activities: int
    harvested_from: list  # the sources its activities come from (``HarvestSource``)


def authority_profile(authority: Organisation) -> Profile:
    """Return the authority's profile: its type, public activities, where the atlas got them."""
    from opencoop.harvest.models import HarvestSource

    activities = Scope(authority).activities()
    sources = HarvestSource.objects.filter(
        activities__activity__in=activities.values("pk"), activities__withdrawn_at__isnull=True
    ).distinct()
    types = registry.get("OrganisationType")
    return Profile(
        authority=authority,
        type_label=types.label(authority.type) if authority.type else "",
        activities=activities.count(),
        harvested_from=list(sources),
    )


def counted_once_note(once: CountedOnce) -> str:
    """Say how many activities the atlas counted once, and why ("" when none)."""
    if not once.total:
        return ""
    parts = []
    if once.same_identifier:
        parts.append(
            _(
                "%(count)d published by two sources under the same IATI identifier (the atlas "
                "holds them once, under the authority that reported them first)"
            )
            % {"count": once.same_identifier}
        )
    if once.linked:
        parts.append(
            _(
                "%(count)d reported by one authority and named as its own by a participating "
                "authority (the same activity: counted under the record the atlas held first)"
            )
            % {"count": len(once.linked)}
        )
    return _("Activities reported by two authorities are counted once: %(parts)s.") % {
        "parts": "; ".join(parts)
    }
