"""Wagtail's permission policies, narrowed to the user's authorities.

Roles are groups shared by every authority (Editor, Reviewer...), and which authorities a user
works for comes from ``EditorialMembership``; a group's permission alone would reach every
authority's objects. Each policy here therefore grants an action on an object when the group
allows it *and* ``opencoop.access.policy.in_scope`` does, the rule ``may_change`` and
``may_publish`` answer from (they ask these same policies):

* records (activities, initiatives, exchanges, partnerships, plans): ``RecordPermissionPolicy``;
* organisations: ``OrganisationPermissionPolicy``;
* documents and images: ``ScopedCollectionOwnershipPermissionPolicy``. The roles' collection
  permissions are granted on the root collection; for a user who is not an administrator they
  are moved onto the collections of the user's authorities (one per authority, created with it);
* pages: ``ScopedPagePermissionPolicy``. The roles' page permissions are granted on the root
  page; they are moved onto the sections (``SectionPage``) of the user's authorities.

How they are installed (``register_policies``, from ``EditorialConfig.ready``): Wagtail has no
setting for these policies; ``wagtail.documents`` and ``wagtail.images`` register theirs in their
own ``ready()``, which runs after ours (they come later in ``INSTALLED_APPS``), for the model and
its subclasses. The registry answers an *exact-class* registration first, so ours are registered
with ``exact_class=True`` for the document and image models. Pages: ``wagtail.permissions``
registers its policy for ``AbstractPage``; ours is registered for ``Page``, which comes earlier
in every page model's MRO, so ``PagePermissionTester`` (the explorer, the edit, publish,
unpublish, delete and add-subpage views) gets ours.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import models
from wagtail.documents import get_document_model, get_document_model_string
from wagtail.images import get_image_model, get_image_model_string
from wagtail.models import Collection, Page
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permission_policies.collections import CollectionOwnershipPermissionPolicy
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.permissions import policy_registry

from opencoop.access import policy

from . import scope
from .models import EditorialMembership
from .roles import ADMINISTRATOR, PARTNER, sees_everything


class InScopePermissionMixin:
    """An instance check: the group's permission, and ``policy.in_scope`` for the object."""

    def user_has_permission_for_instance(self, user, action: str, instance) -> bool:
        return self.user_has_permission(user, action) and policy.in_scope(user, instance, action)

    def user_has_any_permission_for_instance(self, user, actions, instance) -> bool:
        return any(
            self.user_has_permission_for_instance(user, action, instance) for action in actions
        )


class RecordPermissionPolicy(InScopePermissionMixin, ModelPermissionPolicy):
    """Grant an action on a record when the user's groups allow it and the record is in scope.

    Model-level checks (menus, the add view) stay those of Django's groups; every check on an
    instance, and every list of instances, is narrowed by ``opencoop.editorial.scope``.
    """

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


class OrganisationPermissionPolicy(InScopePermissionMixin, ModelPermissionPolicy):
    """Organisations: the group's permission, on the organisations ``policy.in_scope`` allows."""

    def instances_user_has_any_permission_for(self, user, actions) -> models.QuerySet:
        queryset = super().instances_user_has_any_permission_for(user, actions)
        if sees_everything(user):
            return queryset
        return queryset.filter(_organisations_in_scope(user))


def _organisations_in_scope(user) -> models.Q:
    """The organisations a user who is not an administrator may open (``policy.in_scope``)."""
    from opencoop.activities.models import ParticipatingOrg
    from opencoop.initiatives.models import InitiativePartner
    from opencoop.partnerships.models import Partnership

    mine = policy.staff_authorities(user)
    used = (
        models.Q(participations__isnull=False)
        | models.Q(partnerships__isnull=False)
        | models.Q(pk__in=InitiativePartner.objects.values("organisation_id"))
    )
    used_by_mine = (
        models.Q(
            pk__in=ParticipatingOrg.objects.filter(activity__reporting_org__in=mine).values(
                "organisation_id"
            )
        )
        | models.Q(pk__in=Partnership.objects.filter(reporting_org__in=mine).values("partner_id"))
        | models.Q(
            pk__in=InitiativePartner.objects.filter(initiative__reporting_org__in=mine).values(
                "organisation_id"
            )
        )
    )
    condition = models.Q(is_reporting=True, pk__in=mine) | models.Q(
        is_reporting=False, pk__in=models.Subquery(_ids(used_by_mine))
    )
    if mine:
        condition |= models.Q(is_reporting=False) & ~models.Q(pk__in=_ids(used))
    return condition


def _ids(condition: models.Q) -> models.QuerySet:
    from opencoop.organisations.models import Organisation

    return Organisation.objects.filter(condition).values("pk")


@dataclass(eq=False)
class ScopedPermission:
    """A group's page or collection permission, moved onto one authority's node.

    Not a model instance: Wagtail keeps the permissions in sets, and unsaved model instances
    cannot be hashed. It offers what Wagtail's policies and ``PagePermissionTester`` read.
    """

    group_id: int
    permission: Permission
    page: Page | None = None
    collection: Collection | None = None

    @property
    def page_id(self) -> int | None:
        return self.page.pk if self.page else None

    @property
    def collection_id(self) -> int | None:
        return self.collection.pk if self.collection else None


def _reroot(permissions, scoped_nodes, field: str) -> list:
    """Move tree permissions onto ``scoped_nodes`` (the user's authorities' nodes).

    A permission granted at or above an authority's node applies from that node down; one
    granted inside it stays; any other is dropped. The moved ones are ``ScopedPermission``.
    """
    result = []
    for permission in permissions:
        node = getattr(permission, field)
        for scoped in scoped_nodes:
            if scoped.path.startswith(node.path):
                result.append(
                    ScopedPermission(
                        group_id=permission.group_id,
                        permission=permission.permission,
                        **{field: scoped},
                    )
                )
            elif node.path.startswith(scoped.path):
                result.append(permission)
                break
    return result


class ScopedCollectionOwnershipPermissionPolicy(CollectionOwnershipPermissionPolicy):
    """Documents and images: the roles' collection permissions, on the user's authorities'
    collections only (administrators keep them on every collection)."""

    def get_all_permissions_for_user(self, user):
        permissions = super().get_all_permissions_for_user(user)
        if user.is_anonymous or user.is_superuser or sees_everything(user):
            return permissions
        collections = list(Collection.objects.filter(authority__in=policy.staff_authorities(user)))
        return _reroot(permissions, collections, "collection")

    def user_has_any_permission_for_instance(self, user, actions, instance) -> bool:
        allowed = super().user_has_any_permission_for_instance(user, actions, instance)
        return allowed and (
            user.is_superuser or any(policy.in_scope(user, instance, a) for a in actions)
        )


class ScopedPagePermissionPolicy(PagePermissionPolicy):
    """Pages: the roles' page permissions, on the sections of the user's authorities only
    (administrators keep them on the whole tree; pages outside any section are theirs)."""

    def get_all_permissions_for_user(self, user):
        permissions = super().get_all_permissions_for_user(user)
        if user.is_anonymous or user.is_superuser or sees_everything(user):
            return permissions
        from opencoop.pages.models import SectionPage

        sections = list(
            Page.objects.filter(
                pk__in=SectionPage.objects.filter(
                    reporting_org__in=policy.staff_authorities(user)
                ).values("pk")
            )
        )
        return _reroot(permissions, sections, "page")

    def user_has_any_permission_for_instance(self, user, actions, instance) -> bool:
        allowed = super().user_has_any_permission_for_instance(user, actions, instance)
        return allowed and (
            user.is_superuser or any(policy.in_scope(user, instance, a) for a in actions)
        )

    def users_with_any_permission_for_instance(self, actions, instance, include_superusers=True):
        # Who is told about a page (submitted for review, published): its authority's staff
        # and the administrators, not every authority's reviewers.
        users = super().users_with_any_permission_for_instance(
            actions, instance, include_superusers
        )
        in_scope = models.Q(is_superuser=True) | models.Q(groups__name=ADMINISTRATOR)
        in_scope |= models.Q(
            editorial_memberships__organisation_id__in=policy.authorities_of(instance),
            editorial_memberships__relation=EditorialMembership.STAFF,
        )
        return users.filter(pk__in=get_user_model().objects.filter(in_scope).values("pk"))


def register_policies() -> None:
    """Register every scoped policy (before any viewset asks for one: Wagtail would create a
    fallback one). See the module's docstring for why each registration works."""
    from opencoop.organisations.models import Organisation

    for model in scope.record_models():
        if policy_registry.get_by_type(model, fallback=False) is None:
            policy_registry.register(model, RecordPermissionPolicy(model), exact_class=True)
    policy_registry.register(
        Organisation, OrganisationPermissionPolicy(Organisation), exact_class=True
    )
    policy_registry.register(
        get_document_model(),
        ScopedCollectionOwnershipPermissionPolicy(
            get_document_model_string(),
            auth_model="wagtaildocs.Document",
            owner_field_name="uploaded_by_user",
        ),
        exact_class=True,
    )
    policy_registry.register(
        get_image_model(),
        ScopedCollectionOwnershipPermissionPolicy(
            get_image_model_string(),
            auth_model="wagtailimages.Image",
            owner_field_name="uploaded_by_user",
        ),
        exact_class=True,
    )
    policy_registry.register(Page, ScopedPagePermissionPolicy())
