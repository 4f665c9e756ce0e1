"""The permission policy of editorial records: the group's permission, within the user's scope."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import models
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry

from . import scope
from .models import EditorialMembership
from .roles import ADMINISTRATOR, PARTNER


class RecordPermissionPolicy(ModelPermissionPolicy):
    """Grant an action on a record when the user's groups allow it and the record is in scope.

    Model-level checks (menus, the add view) stay those of Django's groups; every check on an
    instance, and every list of instances, is narrowed by ``opencoop.editorial.scope``.
    """

    def user_has_permission_for_instance(self, user, action: str, instance) -> bool:
        return self.user_has_permission(user, action) and scope.can_reach(user, instance, action)

    def user_has_any_permission_for_instance(self, user, actions, instance) -> bool:
        return any(
            self.user_has_permission_for_instance(user, action, instance) for action in actions
        )

    def instances_user_has_any_permission_for(self, user, actions) -> models.QuerySet:
        actions = [a for a in actions if self.user_has_permission(user, a)]
        if not actions:
            return self.model._default_manager.none()
        queryset = self.model._default_manager.none()
        for action in actions:
            queryset = queryset | scope.reachable(self.model, user, action)
        return queryset

    def users_with_any_permission_for_instance(self, actions, instance) -> models.QuerySet:
        users = self.users_with_any_permission(actions)
        in_scope = models.Q(is_superuser=True) | models.Q(groups__name=ADMINISTRATOR)
        in_scope |= models.Q(
            editorial_memberships__organisation_id=instance.reporting_org_id,
            editorial_memberships__relation=EditorialMembership.STAFF,
        )
        rule = scope.PARTNER_RECORDS.get(instance._meta.label_lower)
        if rule and set(actions) & scope.PARTNER_ACTIONS and instance.pk:
            partner_ids = (
                type(instance)
                ._default_manager.filter(pk=instance.pk)
                .values_list(rule["via"], flat=True)
            )
            in_scope |= models.Q(
                groups__name=PARTNER,
                editorial_memberships__organisation_id__in=list(partner_ids),
                editorial_memberships__relation=EditorialMembership.PARTNER,
            )
        ids = get_user_model().objects.filter(in_scope).values("pk")
        return users.filter(pk__in=ids)


def register_record_policies() -> None:
    """Register the scoped policy for every record model (before any viewset asks for one)."""
    for model in scope.record_models():
        if policy_registry.get_by_type(model, fallback=False) is None:
            policy_registry.register(model, RecordPermissionPolicy(model), exact_class=True)
