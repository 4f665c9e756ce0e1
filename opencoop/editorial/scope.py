"""Which records a user may reach: their authority's, or the activities their partner joins.

Everything in the back office that lists, opens or acts on a record asks these selectors: the
snippet views, the choosers, the permission policy, the review task and the dashboard.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.functions import Cast

from opencoop.core.models import EditorialRecord

from .models import EditorialMembership
from .roles import PARTNER, role_names, sees_everything

FULL = "full"
PARTNER_TEXTS = "partner"

# Records a partner's contact may propose texts for, the relation from the record to the
# partner organisation, and the only fields they may change.
PARTNER_RECORDS = {
    "activities.activity": {
        "via": "participating_orgs__organisation",
        "fields": ["title", "description", "objectives", "target_groups"],
    }
}
# What a partner's contact may do with such a record: open it and save a draft.
PARTNER_ACTIONS = {"change", "view"}


def record_models() -> list[type[models.Model]]:
    """Return the concrete record models (every subclass of ``EditorialRecord``)."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, EditorialRecord) and not model._meta.abstract
    ]


def is_record_model(model: type[models.Model]) -> bool:
    return issubclass(model, EditorialRecord) and not model._meta.abstract


def organisation_ids(user, relation: str) -> frozenset[int]:
    """Return the ids of the organisations ``user`` belongs to with ``relation``."""
    if not user.is_authenticated:
        return frozenset()
    cache = getattr(user, "_editorial_organisations", None)
    if cache is None:
        cache = {EditorialMembership.STAFF: set(), EditorialMembership.PARTNER: set()}
        for org_id, kind in EditorialMembership.objects.filter(user=user).values_list(
            "organisation_id", "relation"
        ):
            cache.setdefault(kind, set()).add(org_id)
        cache = {kind: frozenset(ids) for kind, ids in cache.items()}
        user._editorial_organisations = cache
    return cache.get(relation, frozenset())


def _partner_rule(model: type[models.Model]) -> dict | None:
    return PARTNER_RECORDS.get(model._meta.label_lower)


def partner_fields(model: type[models.Model]) -> list[str]:
    """Return the fields a partner's contact may change on ``model`` (none when not allowed)."""
    rule = _partner_rule(model)
    return list(rule["fields"]) if rule else []


def _reach_filter(model: type[models.Model], user, action: str) -> models.Q | None:
    """Return the filter of the records ``user`` may reach for ``action``; None means all."""
    if sees_everything(user):
        return None
    condition = models.Q(reporting_org__in=organisation_ids(user, EditorialMembership.STAFF))
    rule = _partner_rule(model)
    partners = organisation_ids(user, EditorialMembership.PARTNER)
    if rule and partners and action in PARTNER_ACTIONS and PARTNER in role_names(user):
        condition |= models.Q(**{f"{rule['via']}__in": partners})
    return condition


def reachable(model: type[models.Model], user, action: str = "change") -> models.QuerySet:
    """Return the records of ``model`` that ``user`` may reach for ``action``."""
    queryset = model._default_manager.all()
    condition = _reach_filter(model, user, action)
    if condition is None:
        return queryset
    # A subquery rather than distinct(): the partner join may repeat a record.
    return queryset.filter(pk__in=model._default_manager.filter(condition).values("pk"))


def access(user, record: models.Model) -> str:
    """Say how ``user`` reaches ``record``: fully, only for partner texts, or not at all ("")."""
    if sees_everything(user):
        return FULL
    if record.reporting_org_id in organisation_ids(user, EditorialMembership.STAFF):
        return FULL
    rule = _partner_rule(type(record))
    partners = organisation_ids(user, EditorialMembership.PARTNER)
    if rule and partners and record.pk and PARTNER in role_names(user):
        joined = type(record)._default_manager.filter(
            pk=record.pk, **{f"{rule['via']}__in": partners}
        )
        if joined.exists():
            return PARTNER_TEXTS
    return ""


def can_reach(user, record: models.Model, action: str) -> bool:
    """Say whether ``user`` may perform ``action`` on ``record`` as far as scope goes."""
    if not is_record_model(type(record)):
        return True
    kind = access(user, record)
    return kind == FULL or (kind == PARTNER_TEXTS and action in PARTNER_ACTIONS)


def reachable_object_ids(user, action: str) -> dict[int, models.QuerySet]:
    """Return, per content type id, a subquery of the reachable record ids (as strings)."""
    result = {}
    for model in record_models():
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        result[content_type.pk] = (
            reachable(model, user, action)
            .annotate(object_id_text=Cast("pk", models.CharField()))
            .values("object_id_text")
        )
    return result


def reachable_states(queryset: models.QuerySet, user, action: str = "change") -> models.QuerySet:
    """Filter rows keyed by (content_type, object_id) to the records ``user`` may reach."""
    if sees_everything(user):
        return queryset
    allowed = models.Q(pk__in=[])
    for content_type_id, ids in reachable_object_ids(user, action).items():
        allowed |= models.Q(content_type_id=content_type_id, object_id__in=ids)
    return queryset.filter(allowed)


def filing_organisations(user) -> models.QuerySet:
    """Return the reporting authorities under which ``user`` may file records."""
    from opencoop.organisations.models import Organisation

    queryset = Organisation.objects.reporting()
    if sees_everything(user):
        return queryset
    return queryset.filter(pk__in=organisation_ids(user, EditorialMembership.STAFF))
