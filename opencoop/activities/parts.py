"""The parts of an activity, described once.

Every module that walks an activity's repeated parts (the IATI reader and writer, the records and
downloads, the publication checks, the spreadsheet import, the generator, the write service) reads
this description instead of keeping its own list, so adding a part is a change here plus a
migration.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Prefetch

from .models import (
    Beneficiaries,
    Budget,
    DocumentLink,
    Location,
    ParticipatingOrg,
    PolicyMarker,
    RecipientCountry,
    RecipientRegion,
    Result,
    SdgTag,
    Sector,
    Transaction,
)


@dataclass(frozen=True)
class Part:
    """One repeated part of an activity: a child model under ``Activity.<relation>``."""

    relation: str
    model: type[models.Model]
    # The fields that say what a row holds: compared before writing, copied when writing.
    content: tuple[str, ...]
    # Foreign keys each row refers to, fetched with it.
    select_related: tuple[str, ...] = ()
    # Fields a file may leave blank although the editing form requires them.
    may_be_blank: frozenset[str] = field(default_factory=frozenset)
    # Present on the activity's public page and download row, not only on its detail.
    summary: bool = False

    def queryset(self) -> models.QuerySet:
        """Return the rows of this part, with what they refer to, in the editor's order."""
        queryset = self.model.objects.all()
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        return queryset

    def prefetch(self) -> Prefetch:
        """Return the Prefetch that loads this part for many activities in one query."""
        return Prefetch(self.relation, queryset=self.queryset())


# In the order of the IATI 2.03 schema's iati-activity children.
PARTS: tuple[Part, ...] = (
    Part(
        "participating_orgs",
        ParticipatingOrg,
        ("organisation_id", "role", "hide_name"),
        select_related=("organisation",),
        summary=True,
    ),
    Part("recipient_countries", RecipientCountry, ("code", "percentage"), summary=True),
    Part("recipient_regions", RecipientRegion, ("vocabulary", "code", "percentage"), summary=True),
    Part(
        "locations",
        Location,
        ("name", "description", "country", "latitude", "longitude", "exactness", "reach"),
        may_be_blank=frozenset({"exactness", "reach"}),
    ),
    Part("sectors", Sector, ("vocabulary", "code", "percentage"), summary=True),
    Part("sdg_tags", SdgTag, ("vocabulary", "code"), summary=True),
    Part("policy_markers", PolicyMarker, ("code", "significance")),
    # Value dates are compared as the export writes them (see the IATI importer).
    Part(
        "budgets",
        Budget,
        ("type", "status", "period_start", "period_end", "value", "currency"),
        summary=True,
    ),
    Part(
        "transactions",
        Transaction,
        ("type", "date", "value", "currency", "description", "provider_org_id", "receiver_org_id"),
        select_related=("provider_org", "receiver_org"),
        summary=True,
    ),
    Part(
        "documents",
        DocumentLink,
        ("title", "category", "language", "date"),
        select_related=("document",),
    ),
    Part(
        "results",
        Result,
        (
            "type",
            "title",
            "indicator",
            "measure",
            "ascending",
            "baseline_year",
            "baseline_value",
            "period_start",
            "period_end",
            "target_value",
            "actual_value",
        ),
        summary=True,
    ),
    Part("beneficiaries", Beneficiaries, ("group", "year", "total", "women", "men")),
)
BY_RELATION: dict[str, Part] = {part.relation: part for part in PARTS}


def part(relation: str) -> Part:
    """Return the part stored under ``Activity.<relation>``."""
    return BY_RELATION[relation]


def prefetches(*, summary_only: bool = False) -> list[Prefetch]:
    """Return the Prefetch of every part (or of those a summary shows), for many activities."""
    return [p.prefetch() for p in PARTS if p.summary or not summary_only]


def iter_rows(activity: models.Model) -> Iterator[tuple[Part, models.Model]]:
    """Yield each part row of ``activity`` (prefetched or not) with its part, in schema order."""
    for p in PARTS:
        for row in getattr(activity, p.relation).all():
            yield p, row
