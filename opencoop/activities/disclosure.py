"""Sensitive contexts: the one place that decides what of an activity the public may see.

Every public page, feed, API response and export asks these functions; none reads the raw fields.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opencoop.core.multilingual import text

from .models import Activity, ActivityQuerySet


def public_activities(today: datetime.date | None = None) -> ActivityQuerySet:
    """Return the activities the public may see (live, past any embargo)."""
    return Activity.objects.published(today)


def is_public(activity: Activity, today: datetime.date | None = None) -> bool:
    """Say whether one activity may be shown."""
    today = today or timezone.localdate()
    return activity.live and (activity.embargo_until is None or activity.embargo_until <= today)


@dataclass(frozen=True)
class PublicLocation:
    name: dict
    country: str
    latitude: Decimal | None
    longitude: Decimal | None
    exact: bool


def public_locations(activity: Activity) -> list[PublicLocation]:
    """Return the locations to publish; hidden ones collapse to their countries, without points."""
    locations = list(activity.locations.all())
    if not activity.hide_exact_locations:
        return [
            PublicLocation(loc.name, loc.country, loc.latitude, loc.longitude, True)
            for loc in locations
        ]
    countries = [loc.country for loc in locations if loc.country]
    countries += [rc.code for rc in activity.recipient_countries.all()]
    seen: list[str] = []
    for code in countries:
        if code not in seen:
            seen.append(code)
    return [PublicLocation({}, code, None, None, False) for code in seen]


LOCAL_PARTNER = {"it": "un partner locale", "en": "a local partner"}


@dataclass(frozen=True)
class PublicParticipant:
    name: dict
    role: str
    identifier: str
    organisation_type: str
    organisation_id: int | None
    hidden: bool

    @property
    def label(self) -> str:
        return text(self.name)


def public_participants(activity: Activity) -> list[PublicParticipant]:
    """Return the participating organisations, with hidden partners unnamed and unidentified."""
    result = []
    for part in activity.participating_orgs.all():
        org = part.organisation
        if part.hide_name:
            result.append(PublicParticipant(LOCAL_PARTNER, part.role, "", "", None, True))
        else:
            result.append(
                PublicParticipant(org.name, part.role, org.identifier, org.type, org.pk, False)
            )
    return result


def hidden_organisation_ids(activity: Activity) -> set[int]:
    """Return the organisations that must not be named anywhere for this activity."""
    return {p.organisation_id for p in activity.participating_orgs.all() if p.hide_name}


HIDDEN_NOTE = _("Exact places are not published to protect the people involved.")
