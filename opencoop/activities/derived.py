"""Codes derived from an activity's parts: its DAC sector groups and its SDG goals.

The catalogue's facets and filters and the statistics group by these, so an activity falls in
the same groups on every page.

Sector groups follow IATI: each sector vocabulary describes the whole activity (its percentages
add up to 100 per vocabulary), so an activity's groups come from one vocabulary only — the
categories of its DAC 5-digit purpose codes (vocabulary 1) when it has any, else its DAC 3-digit
categories (vocabulary 2). Adding both would count the activity twice and its money at 200%.
"""

from __future__ import annotations

from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Left, StrIndex

from opencoop.codelists import registry

from .models import SdgTag, Sector

DAC_5_DIGIT, DAC_3_DIGIT = "1", "2"
SDG_GOAL, SDG_TARGET = "2", "3"


def sector_group(code: str) -> str:
    """Return the DAC 3-digit category of a DAC 5-digit purpose code (the codelist's category)."""
    return registry.get("Sector").category(code) or code[:3]


def _category_of_code() -> Case | Left:
    """Return ``sector_group`` as SQL over a Sector row's code (its first digits, mostly)."""
    first_digits = Left("code", 3, output_field=CharField())
    others = [
        When(code=code, then=Value(group))
        for code in registry.get("Sector").items
        if (group := sector_group(code)) != code[:3]
    ]
    return Case(*others, default=first_digits, output_field=CharField()) if others else first_digits


def with_sector_groups(sectors: QuerySet[Sector]) -> QuerySet[Sector]:
    """Keep the rows of ``sectors`` that give their activity's groups, annotated ``sector_group``.

    A row of vocabulary 2 counts only for an activity without vocabulary 1 rows; rows of other
    vocabularies never count.
    """
    five_digit = Sector.objects.filter(activity=OuterRef("activity_id"), vocabulary=DAC_5_DIGIT)
    return sectors.filter(
        Q(vocabulary=DAC_5_DIGIT) | Q(vocabulary=DAC_3_DIGIT) & ~Exists(five_digit)
    ).annotate(
        sector_group=Case(
            When(vocabulary=DAC_5_DIGIT, then=_category_of_code()),
            default=F("code"),
            output_field=CharField(),
        )
    )


def with_sdg_goals(tags: QuerySet[SdgTag]) -> QuerySet[SdgTag]:
    """Annotate each SDG tag with ``sdg_goal``: a goal is its own, a target ("4.1") its goal's."""
    return tags.filter(
        Q(vocabulary=SDG_GOAL) | Q(vocabulary=SDG_TARGET, code__contains=".")
    ).annotate(
        sdg_goal=Case(
            When(vocabulary=SDG_GOAL, then=F("code")),
            default=Left("code", StrIndex("code", Value(".")) - 1),
            output_field=CharField(),
        )
    )
