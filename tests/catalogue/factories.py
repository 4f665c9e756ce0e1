"""Build organisations and activities for the catalogue tests (a fictional authority)."""

from __future__ import annotations

import datetime
import itertools

from opencoop.activities.models import (
    Activity,
    ParticipatingOrg,
    PolicyMarker,
    RecipientCountry,
    SdgTag,
    Sector,
)
from opencoop.organisations.models import Organisation

_numbers = itertools.count(1)


def make_organisation(**fields) -> Organisation:
    """Create an organisation; ``fields`` override the defaults."""
    number = next(_numbers)
    values = {
        "name": {"it": f"Associazione di prova {number}", "en": f"Test association {number}"},
        "slug": f"test-association-{number}",
        "identifier": f"XM-OCCAT-{number}",
        "type": "22",
        "country": "IT",
    }
    values.update(fields)
    return Organisation.objects.create(**values)


def make_reporting_org(**fields) -> Organisation:
    """Create a fictional municipality that reports activities (it has no section page)."""
    number = next(_numbers)
    values = {
        "name": {"it": f"Comune di Prova {number}", "en": f"Municipality of Prova {number}"},
        "slug": f"comune-di-prova-{number}",
        "identifier": f"IT-CF-8{number:010d}",
        "type": "11",
        "is_reporting": True,
    }
    values.update(fields)
    return make_organisation(**values)


def make_activity(
    reporting_org: Organisation,
    *,
    title: dict | None = None,
    description: dict | None = None,
    countries: tuple[str, ...] = (),
    sectors: tuple[str, ...] = (),
    sdgs: tuple[str, ...] = (),
    sdg_targets: tuple[str, ...] = (),
    markers: tuple[tuple[str, str], ...] = (),
    partners: tuple[tuple[Organisation, bool], ...] = (),
    status: str = "",
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    partnership=None,
    embargo_until: datetime.date | None = None,
    publish: bool = True,
) -> Activity:
    """Create an activity with its parts and publish it through a revision, as editors do.

    ``partners`` are (organisation, hidden) pairs; ``markers`` (code, significance) pairs.
    """
    number = next(_numbers)
    activity = Activity(
        reporting_org=reporting_org,
        iati_identifier=f"{reporting_org.identifier}-CAT{number}",
        slug=f"catalogue-test-{number}",
        title=title or {"it": f"Progetto di prova {number}", "en": f"Test project {number}"},
        description=description or {},
        status=status,
        planned_start=start,
        planned_end=end,
        partnership=partnership,
        embargo_until=embargo_until,
    )
    activity.recipient_countries = [
        RecipientCountry(code=code, percentage=None) for code in countries
    ]
    activity.sectors = [Sector(vocabulary="1", code=code) for code in sectors]
    activity.sdg_tags = [SdgTag(vocabulary="2", code=code) for code in sdgs] + [
        SdgTag(vocabulary="3", code=code) for code in sdg_targets
    ]
    activity.policy_markers = [
        PolicyMarker(code=code, significance=significance) for code, significance in markers
    ]
    activity.participating_orgs = [ParticipatingOrg(organisation=reporting_org, role="1")] + [
        ParticipatingOrg(organisation=org, role="4", hide_name=hidden) for org, hidden in partners
    ]
    activity.full_clean()
    activity.save()
    if publish:
        activity.save_revision().publish()
    else:
        Activity.objects.filter(pk=activity.pk).update(live=False)
        activity.refresh_from_db()
    return activity
