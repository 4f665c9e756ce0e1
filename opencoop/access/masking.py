"""What of a sensitive record a staff user may read in the back office, and the masked form.

Staff of the record's reporting authority, administrators and superusers read everything. Anyone
else who reaches the record in the admin (a partner's contact proposing texts, for instance) gets
the public form: a hidden partner is "a local partner", exact places lose their names and points.
The public side's rule (``opencoop.activities.disclosure``) decides *what* is hidden; this module
decides *who* still reads it, and masks the in-memory objects the admin renders (revisions in
history, compare and previews), never the stored ones.
"""

from __future__ import annotations

from django.db import models

# Set on a masked child object (a participation, a transaction): the names of its fields that
# refer to a hidden organisation. The admin's comparison of organisations reads it.
MASKED_ORGANISATIONS = "_masked_organisation_fields"


def sees_hidden(user, record: models.Model) -> bool:
    """Say whether ``user`` may read ``record``'s hidden partner names and exact coordinates.

    The policy's rule (``works_for``), the same that ``policy.may_see_field`` applies.
    """
    from opencoop.access.policy import works_for
    from opencoop.editorial import scope

    if not scope.is_record_model(type(record)):
        return user is not None and user.is_authenticated
    return works_for(user, getattr(record, "reporting_org_id", None))


def _participations(record: models.Model) -> list:
    manager = getattr(record, "participating_orgs", None)
    return list(manager.all()) if manager is not None else []


def hidden_organisation_ids(*versions: models.Model) -> set[int]:
    """Return the organisations hidden in any of ``versions`` (the record, its revisions).

    Hidden in one version means hidden in all: comparing an old revision must not name a partner
    that the current one hides, nor the other way round.
    """
    from opencoop.activities import disclosure
    from opencoop.activities.models import Activity

    hidden: set[int] = set()
    for version in versions:
        if isinstance(version, Activity):
            hidden |= disclosure.hidden_organisation_ids(version)
    return hidden


def hides_locations(*versions: models.Model) -> bool:
    """Say whether any of ``versions`` keeps its exact places from the public."""
    from opencoop.activities import disclosure
    from opencoop.activities.models import Activity

    return any(
        disclosure.places_hidden(version) for version in versions if isinstance(version, Activity)
    )


def mask_version(version: models.Model, hidden_ids: set[int], hide_locations: bool) -> None:
    """Mask one in-memory version of a record (a revision's object): never saved."""
    for part in _participations(version):
        if part.organisation_id in hidden_ids:
            setattr(part, MASKED_ORGANISATIONS, {"organisation"})
    # Transactions and planned disbursements name a provider and a receiver.
    for relation in ("transactions", "planned_disbursements"):
        rows = getattr(version, relation, None)
        for row in rows.all() if rows is not None else []:
            fields = {
                name
                for name in ("provider_org", "receiver_org")
                if getattr(row, f"{name}_id", None) in hidden_ids
            }
            if fields:
                setattr(row, MASKED_ORGANISATIONS, fields)
    locations = getattr(version, "locations", None)
    if hide_locations and locations is not None:
        for location in locations.all():
            location.name = {}
            location.description = {}
            location.latitude = None
            location.longitude = None
            # A gazetteer entry or an area below the country finds the place as well as a point.
            location.location_ids = []
            location.administrative = []


def mask_for(user, record: models.Model, *versions: models.Model) -> bool:
    """Mask ``versions`` of ``record`` for ``user`` when they may not read its hidden parts.

    Returns whether anything had to be masked (the user does not see hidden parts).
    """
    if sees_hidden(user, record):
        return False
    hidden = hidden_organisation_ids(record, *versions)
    hide_locations = hides_locations(record, *versions)
    for version in versions:
        mask_version(version, hidden, hide_locations)
    return True


def is_masked(obj: models.Model, field_name: str) -> bool:
    """Say whether ``field_name`` of ``obj`` was masked by ``mask_version``."""
    return field_name in getattr(obj, MASKED_ORGANISATIONS, ())
