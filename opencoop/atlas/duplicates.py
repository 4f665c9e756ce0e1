"""Which activities of an atlas are the same activity reported twice: the rule, in one place.

An atlas adds up several authorities' activities. One activity may reach it twice:

- **the same IATI identifier** published by two sources: the atlas holds one record per
  identifier, under the authority that reported it first; a harvest never takes it over
  (``opencoop.harvest.services``) and remembers that its file also published it. It is held,
  and counted, once;
- **two records linked through a participating organisation**: authority A's record names
  authority B as a participating organisation together with B's own record of the activity
  (IATI ``participating-org/@activity-id``), and B's record is on the atlas too. Both describe
  one activity and its money: the atlas counts one of them.

Records linked so, directly or through others, form a group; the group counts once, under the
record the atlas held first (the lowest id). ``counted_once`` says which records are left out
and under which record each counts; the atlas's figures leave those out (``Scope.uncounted``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from opencoop.activities.models import Activity, ParticipatingOrg
from opencoop.stats.figures import Scope


@dataclass(frozen=True)
class CountedOnce:
    """The atlas's activities reported twice, and how each is counted once."""

    # A record left out of the figures -> the record counted in its place.
    linked: dict[int, int] = field(default_factory=dict)
    # Records a second source also published under the same identifier (held once already).
    same_identifier: int = 0

    @property
    def uncounted(self) -> frozenset[int]:
        """Return the records the figures leave out."""
        return frozenset(self.linked)

    @property
    def total(self) -> int:
        """Return how many activities reached the atlas twice and are counted once."""
        return len(self.linked) + self.same_identifier


def counted_once(activities: QuerySet[Activity]) -> CountedOnce:
    """Say which of ``activities`` (an atlas's public records) describe the same activity.

    Only links between records of two different reporting authorities count, both in
    ``activities``: a record whose twin the public may not see is counted as it is.
    """
    references = list(
        ParticipatingOrg.objects.filter(activity__in=activities.values("pk"))
        .exclude(participant_activity_id="")
        .values_list("activity_id", "activity__reporting_org_id", "participant_activity_id")
        .order_by()
    )
    linked: dict[int, int] = {}
    if references:
        cited = {
            identifier: (pk, authority)
            for identifier, pk, authority in activities.filter(
                iati_identifier__in={ref for _, _, ref in references}
            )
            .values_list("iati_identifier", "pk", "reporting_org_id")
            .order_by()
        }
        parent: dict[int, int] = {}

        def root(pk: int) -> int:
            while parent.get(pk, pk) != pk:
                pk = parent[pk]
            return pk

        for pk, authority, identifier in references:
            target = cited.get(identifier)
            if target is None or target[1] == authority or target[0] == pk:
                continue
            first, second = sorted((root(pk), root(target[0])))
            if first != second:
                parent[second] = first
        linked = {pk: root(pk) for pk in parent}
    same = (
        Activity.objects.filter(pk__in=activities.values("pk"), also_published_by__isnull=False)
        .values("pk")  # distinct ids, not whole rows
        .distinct()
        .count()
    )
    return CountedOnce(linked=linked, same_identifier=same)


def atlas_scope(authorities: frozenset[int] | None) -> tuple[Scope, CountedOnce]:
    """Return the scope of an atlas's figures over ``authorities`` (None: every one), each
    activity counted once, and what was counted once."""
    once = counted_once(Scope(authorities=authorities).activities())
    return Scope(authorities=authorities, uncounted=once.uncounted), once
