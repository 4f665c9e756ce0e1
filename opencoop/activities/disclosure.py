"""Sensitive contexts: the field-level rules of what of an activity the public may see.

Which records are public at all is decided by ``opencoop.access.policy`` (``public``,
``is_public``); the functions below that answer it are names for the policy. Other outlets
(admin history and compare, for instance) ask ``policy.may_see_field``, which applies
``is_hidden_field`` below to everyone but the authority's staff. Every public page, feed, API
response and export asks these functions; none reads the raw fields.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from opencoop.access import policy
from opencoop.core.multilingual import text
from opencoop.organisations.models import Organisation

from .models import Activity, ActivityQuerySet, Location, ParticipatingOrg
from .parts import PARTS, RELATED_CHILD, RELATED_PARENT, Part


def public_activities(today: datetime.date | None = None) -> ActivityQuerySet:
    """Return the activities the public may see (the policy's rule: live, past any embargo)."""
    return policy.public(Activity, today)


def is_public(activity: Activity, today: datetime.date | None = None) -> bool:
    """Say whether one activity may be shown (the policy's rule)."""
    return policy.is_public(activity, today)


def places_hidden(activity: Activity) -> bool:
    """Say whether the activity's places are published by country only."""
    return activity.hide_exact_locations


# Of a place of an activity whose places are hidden, only these fields are public.
LOCATION_PUBLIC_FIELDS = frozenset({"id", "pk", "activity", "activity_id", "country", "sort_order"})


@functools.cache
def naming_fields(model: type[Model]) -> dict[str, str]:
    """Map each field of ``model`` that names an organisation (and its ``_id``) to the ``_id``
    holding it: what a hidden partner withholds. Asked once the models are loaded."""
    naming: dict[str, str] = {}
    for model_field in model._meta.fields:
        if model_field.many_to_one and model_field.related_model is Organisation:
            naming[model_field.name] = naming[model_field.attname] = model_field.attname
    return naming


# The parts a sensitive activity withholds something of (as each Part's ``sensitive`` says), by
# model: the places, when hidden, and the fields naming a hidden partner.
SENSITIVE_PARTS: dict[type[Model], Part] = {p.model: p for p in PARTS if p.sensitive}


def record_of(obj: Model) -> Model | None:
    """Return the record ``obj`` belongs to (itself for a record; None for other objects)."""
    if isinstance(obj, Activity) or hasattr(obj, "live"):
        return obj
    activity = getattr(obj, "activity", None)
    return activity if isinstance(activity, Activity) else None


def is_hidden_field(obj: Model, field: str) -> bool:
    """Say whether the public must not read ``field`` of ``obj`` (part of a sensitive activity)."""
    # The activity's own fields are public with it: its pages say themselves that places or a
    # partner are withheld; what is withheld lies in its places, participations and transactions.
    if type(obj) not in SENSITIVE_PARTS:
        return False
    if isinstance(obj, Location):
        return places_hidden(obj.activity) and field not in LOCATION_PUBLIC_FIELDS
    naming = naming_fields(type(obj))
    if field not in naming:
        return False
    org_id = getattr(obj, naming[field])
    return org_id is not None and org_id in hidden_organisation_ids(obj.activity)


@dataclass(frozen=True)
class PublicLocation:
    name: dict
    country: str
    latitude: Decimal | None
    longitude: Decimal | None
    exact: bool
    description: dict = field(default_factory=dict)
    exactness: str = ""
    reach: str = ""
    location_ids: list = field(default_factory=list)
    administrative: list = field(default_factory=list)
    location_class: str = ""
    feature_designation: str = ""
    ref: str | None = None


def public_locations(activity: Activity) -> list[PublicLocation]:
    """Return the locations to publish; hidden ones collapse to their countries, without points."""
    locations = list(activity.locations.all())
    if not places_hidden(activity):
        return [
            PublicLocation(
                loc.name,
                loc.country,
                loc.latitude,
                loc.longitude,
                True,
                description=loc.description,
                exactness=loc.exactness,
                reach=loc.reach,
                location_ids=loc.location_ids,
                administrative=loc.administrative,
                location_class=loc.location_class,
                feature_designation=loc.feature_designation,
                ref=loc.ref,
            )
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
    activity_id: str = ""  # the participant's own record of the activity (IATI @activity-id)

    @property
    def label(self) -> str:
        return text(self.name)


def public_participants(activity: Activity) -> list[PublicParticipant]:
    """Return the participating organisations, with hidden partners unnamed and unidentified."""
    result = []
    hidden = hidden_organisation_ids(activity)
    for part in activity.participating_orgs.all():
        org = part.organisation
        # Hidden in one role means hidden in every role of the activity.
        if part.organisation_id in hidden:
            result.append(PublicParticipant(LOCAL_PARTNER, part.role, "", "", None, True))
        else:
            result.append(
                PublicParticipant(
                    org.name,
                    part.role,
                    org.identifier,
                    org.type,
                    org.pk,
                    False,
                    part.participant_activity_id,
                )
            )
    return result


def with_exact_places(activities: ActivityQuerySet) -> ActivityQuerySet:
    """Keep the activities whose exact places are public (SQL form of ``places_hidden``)."""
    return activities.filter(hide_exact_locations=False)


def sensitive() -> Q:
    """Return the condition on activities that hide their exact places or a partner's name."""
    hiding = ParticipatingOrg.objects.filter(activity=OuterRef("pk"), hide_name=True)
    return Q(hide_exact_locations=True) | Q(Exists(hiding))


def hiding_participations(activity, organisation) -> QuerySet[ParticipatingOrg]:
    """Return the participations that hide ``organisation`` in ``activity`` (ids or OuterRefs)."""
    return ParticipatingOrg.objects.filter(
        activity=activity, organisation=organisation, hide_name=True
    )


def named_participations() -> QuerySet[ParticipatingOrg]:
    """Return the participations whose organisation the public may see named (SQL form).

    A partner shown as "a local partner" in any role of an activity is named in none of them.
    """
    hidden = hiding_participations(OuterRef("activity"), OuterRef("organisation"))
    return ParticipatingOrg.objects.filter(hide_name=False).exclude(Exists(hidden))


def hidden_organisation_ids(activity: Activity) -> set[int]:
    """Return the organisations that must not be named anywhere for this activity."""
    return {p.organisation_id for p in activity.participating_orgs.all() if p.hide_name}


@dataclass(frozen=True)
class PublicOrganisation:
    """How an organisation may be named in one activity's data (transactions, for instance)."""

    name: dict
    identifier: str
    organisation_type: str
    hidden: bool


def public_organisation(organisation, hidden_ids: set[int]) -> PublicOrganisation | None:
    """Name ``organisation`` for the public, as "a local partner" when in ``hidden_ids``.

    ``hidden_ids`` comes from ``hidden_organisation_ids(activity)``; None stays None.
    """
    if organisation is None:
        return None
    if organisation.pk in hidden_ids:
        return PublicOrganisation(LOCAL_PARTNER, "", "", True)
    return PublicOrganisation(organisation.name, organisation.identifier, organisation.type, False)


def public_parent(activity: Activity, today: datetime.date | None = None) -> Activity | None:
    """Return the parent programme when the public may see it, else None."""
    parent = activity.parent if activity.parent_id else None
    return parent if policy.is_public(parent, today) else None


def public_children(activity: Activity, today: datetime.date | None = None) -> list[Activity]:
    """Return the sub-activities the public may see (uses prefetched ``children``)."""
    if activity.pk is None:  # a new activity being previewed has none yet
        return []
    return policy.public_related(activity.children.all(), today)


@dataclass(frozen=True)
class PublicRelated:
    """A related activity as the public sees it, and whether it is a public one of the portal."""

    ref: str
    type: str
    on_portal: bool = False


def public_related_activities(
    activity: Activity, today: datetime.date | None = None
) -> list[PublicRelated]:
    """Return the relations to publish: the public parent and sub-projects, then every other one
    the activity states, saying which are public activities of the portal.

    A stated relation to an activity of the portal the public may not see is left out, as its
    parent or child would be. The stated rows carry their target's state (annotated by
    ``RelatedActivity.objects``): no query per activity.
    """
    parent = public_parent(activity, today)
    linked = [(parent, RELATED_PARENT)] if parent is not None else []
    linked += [(child, RELATED_CHILD) for child in public_children(activity, today)]
    related = [PublicRelated(other.iati_identifier, kind, True) for other, kind in linked]
    seen = {(item.ref, item.type) for item in related}
    rows = list(activity.related_activities.all())
    states = _target_states([row.ref for row in rows if not hasattr(row, "target_exists")])
    for row in rows:
        exists, public = (
            (row.target_exists, row.target_public)
            if hasattr(row, "target_exists")
            else states.get(row.ref, (False, False))
        )
        if (row.ref, row.type) in seen or (exists and not public):
            continue
        seen.add((row.ref, row.type))
        related.append(PublicRelated(row.ref, row.type, bool(public)))
    return related


def know_related_targets(rows: list) -> None:
    """Tell stated relations read without their targets' state (``RelatedActivity.objects``
    annotates it) whether the activity each names is on the portal and public: one query for
    all of them, as the annotation would say."""
    states = _target_states([row.ref for row in rows])
    for row in rows:
        row.target_exists, row.target_public = states.get(row.ref, (False, False))


def _target_states(refs: list[str]) -> dict[str, tuple[bool, bool]]:
    """Say, for rows built in memory (an import's, not fetched so not annotated), whether each
    activity they name is on the portal and public: one query, none when every row is fetched."""
    if not refs:
        return {}
    named = Activity.objects.filter(iati_identifier__in=refs)
    public = set(policy.public(named).values_list("iati_identifier", flat=True))
    return {ref: (True, ref in public) for ref in named.values_list("iati_identifier", flat=True)}


HIDDEN_NOTE = _("Exact places are not published to protect the people involved.")


# What the editor's switches withhold, before saving ------------------------------------------
@dataclass(frozen=True)
class Withholding:
    """One thing a sensitive or embargoed activity keeps from the public, as the admin says it."""

    # The form field that turns it on: an activity field, or "<relation>.<field>" of rows.
    switch: str
    active: bool
    part: str
    withheld: str
    instead: str
    names: tuple[str, ...] = ()


def _switch_on(activity: Activity, switch: str) -> bool:
    if switch == "hide_exact_locations":
        return places_hidden(activity)
    if switch == "participating_orgs.hide_name":
        return bool(hidden_organisation_ids(activity))
    raise LookupError(f"disclosure has no rule for the switch {switch!r}")


def _kept_fields(part: Part) -> str:
    """Name the content fields of a hidden place that stay public (its country)."""
    kept = [
        str(part.model._meta.get_field(name).verbose_name)
        for name in part.content
        if name in LOCATION_PUBLIC_FIELDS
    ]
    return ", ".join(kept)


def withholdings(activity: Activity, today: datetime.date | None = None) -> list[Withholding]:
    """Say what the activity as it stands (saved or not) keeps from every public outlet.

    Derived from the policy (an embargo keeps the whole record back) and from the parts that
    declare something ``sensitive`` in ``parts.PARTS``; ``policy.PUBLIC_OUTLETS`` all apply it.
    """
    embargo = getattr(activity, "embargo_until", None)
    items = [
        Withholding(
            "embargo_until",
            # Would it be held back if published now? The policy's rule, on a published copy.
            embargo is not None
            and not policy.is_public(SimpleNamespace(live=True, embargo_until=embargo), today),
            str(_("the whole activity")),
            str(_("the whole activity: title, texts, amounts, places and partners")),
            str(_("nothing at all until %(date)s; then all the rest of this panel applies"))
            % {"date": embargo.isoformat() if embargo else "…"},
        )
    ]
    hidden = hidden_organisation_ids(activity)
    names = tuple(
        text(p.organisation.name)
        for p in activity.participating_orgs.all()
        if p.organisation_id in hidden and p.organisation is not None
    )
    for part in PARTS:
        if not part.sensitive:
            continue
        if part.model is Location:
            instead = str(_("of each place, only: %(fields)s")) % {"fields": _kept_fields(part)}
        else:
            instead = str(_("“%(name)s”, with no identifier")) % {"name": text(LOCAL_PARTNER)}
        items.append(
            Withholding(
                part.sensitive_switch,
                _switch_on(activity, part.sensitive_switch),
                str(part.model._meta.verbose_name_plural),
                str(part.sensitive),
                instead,
                names if part.sensitive_switch.endswith("hide_name") else (),
            )
        )
    return items
