"""The one access policy of the portal.

Every outlet asks here: public pages, feeds, search, statistics, map, exports and API for what the
public may see; admin views, choosers, history, compare, bulk actions and reports for what a staff
user may see or do. Nothing else reads ``live``, ``embargo_until``, ``hide_name`` or
``hide_exact_locations`` to decide visibility.

Two sides, one module:
- the public side (anonymous visitors): ``public()``, ``is_public()``, ``public_related()``,
  ``public_pages()``, ``public_documents()``, ``may_download()``, ``may_see_field()`` (the rules
  are written out under "What the public sees" below and in docs/access.md);
- the staff side (Partner, Editor, Reviewer, Administrator, each scoped to authorities):
  ``visible_to()``, ``may_see()``, ``may_change()``, ``may_publish()``, built on
  ``opencoop.editorial.scope`` and the groups' permissions.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def _queryset(model_or_queryset) -> models.QuerySet:
    if isinstance(model_or_queryset, models.QuerySet):
        return model_or_queryset
    return model_or_queryset._default_manager.all()


# --- What the public sees -------------------------------------------------------------------
#
# Records (activities, initiatives, exchanges, partnerships, annual plans): public when live
# (published at least once and not unpublished) and, for activities, past any embargo date.
# Related lists follow the same rule: a public record never names, links or adds up a related
# record that is not public (a parent programme, a sub-project, a plan's allocation).
#
# Pages: live and without a view restriction (``public_pages``).
#
# Documents of the library (``public_documents``, ``may_download``): in a collection without a
# view restriction, and
#   - attached to at least one public record, or used by a live public page; or
#   - used by nothing at all (no record's attachment, no reference from any page or snippet):
#     a library document an editor uploaded to link by hand stays public as it always was.
# A document attached only to drafts, embargoed records or unpublished pages is not public:
# the search leaves it out and its download answers 404 to visitors. Staff of the authority
# of a record it is attached to (and administrators) may still download it.
#
# Fields of a sensitive activity (``may_see_field``): with ``hide_exact_locations`` a place
# shows its country only; a partner with ``hide_name`` in any role is "a local partner" in
# every role and in the activity's transactions. Staff of the activity's reporting authority
# (and administrators) see everything; every one else, signed in or not, sees what the public
# sees. The rules themselves live in ``opencoop.activities.disclosure``.


def public(model_or_queryset, today: datetime.date | None = None) -> models.QuerySet:
    """Return the records of a model (or a queryset) that the public may see.

    Draft, embargo and live rules applied together: a record is public when live and, for
    activities, past any embargo date. ``ActivityQuerySet.published()`` and
    ``PublicRecordQuerySet.published()`` are names for this.
    """
    queryset = _queryset(model_or_queryset)
    model = queryset.model
    queryset = queryset.filter(live=True)
    if _has_embargo(model):
        queryset = queryset.filter(
            models.Q(embargo_until__isnull=True) | models.Q(embargo_until__lte=_today(today))
        )
    return queryset


def _has_embargo(model: type[models.Model]) -> bool:
    # Forward fields only: asked while modules build their querysets, before the app registry
    # knows the reverse relations.
    return any(f.name == "embargo_until" for f in model._meta.concrete_fields)


# The columns ``is_public()`` reads: a query that loads only some fields loads these too.
def becoming_public(model_or_queryset, today: datetime.date | None = None) -> models.QuerySet:
    """Return the published records whose embargo ends after ``today``: public on a later day."""
    return _queryset(model_or_queryset).filter(live=True, embargo_until__gt=_today(today))


def next_public_days(
    model_or_queryset, group: str, today: datetime.date | None = None
) -> dict[object, datetime.date]:
    """Return, per value of ``group``, the day its first embargoed record becomes public."""
    return dict(
        becoming_public(model_or_queryset, today)
        .values(group)
        .annotate(first=models.Min("embargo_until"))
        .values_list(group, "first")
    )


PUBLIC_STATE_FIELDS = ("live", "embargo_until")


def public_from(obj: models.Model) -> datetime.date | None:
    """Return the first day ``obj`` may be shown to the public, None while it is not published.

    What is kept about public records (the catalogue's rows) keeps this day, so a record whose
    embargo ends is public from then on without being written again: ``is_public(obj, day)``
    holds exactly for the days from this one.
    """
    if obj is None or not getattr(obj, "live", True):
        return None
    return getattr(obj, "embargo_until", None) or datetime.date.min


def is_public(obj: models.Model | None, today: datetime.date | None = None) -> bool:
    """Say whether one record may be shown to the public (the Python form of ``public()``)."""
    if obj is None or not getattr(obj, "live", True):
        return False
    embargo = getattr(obj, "embargo_until", None)
    return embargo is None or embargo <= _today(today)


# Where the public reads records. Each asks this policy (and, for a sensitive activity's fields,
# ``opencoop.activities.disclosure``), so what one withholds all withhold: the admin's
# sensitive-activity panel names them from here.
PUBLIC_OUTLETS: tuple[tuple[str, str], ...] = (
    ("site", gettext_lazy("the public site")),
    ("api", gettext_lazy("the API")),
    ("iati", gettext_lazy("the IATI file")),
    ("statistics", gettext_lazy("the statistics")),
)


# A record's publication state, as the back office's lists show and filter it.
DRAFT, EMBARGOED, LIVE = "draft", "embargoed", "live"


def publication_state(obj: models.Model, today: datetime.date | None = None) -> str:
    """Say whether a record is public (LIVE), published but held by an embargo, or a DRAFT."""
    if is_public(obj, today):
        return LIVE
    return EMBARGOED if getattr(obj, "live", False) else DRAFT


def in_publication_state(
    queryset: models.QuerySet, state: str, today: datetime.date | None = None
) -> models.QuerySet:
    """Keep the records of ``queryset`` in ``state`` (the SQL form of ``publication_state``)."""
    public_ones = public(queryset, today)
    if state == LIVE:
        return public_ones
    held = queryset.exclude(pk__in=public_ones.values("pk"))
    if state == EMBARGOED:
        return held.filter(live=True)
    if state == DRAFT:
        return held.filter(live=False)
    raise ValueError(
        f"Unknown publication state {state!r}: expected {DRAFT}, {EMBARGOED} or {LIVE}"
    )


def public_related(records, today: datetime.date | None = None) -> list:
    """Keep the public ones of related records already fetched (children, allocations' activities).

    Works on prefetched lists, so a page asks no more queries than before.
    """
    return [record for record in records if is_public(record, today)]


def public_pages(queryset: models.QuerySet | None = None) -> models.QuerySet:
    """Return the Wagtail pages the public may see: live and without a view restriction.

    Wagtail's ``.public()`` reads the restrictions first (one more query on every page); this is
    the same rule in one SQL condition: no restriction on the page or on one of its ancestors,
    whose paths are prefixes of the page's.
    """
    from django.db.models.functions import Length, Substr
    from wagtail.models import Page, PageViewRestriction

    queryset = Page.objects.all() if queryset is None else queryset
    restricted = PageViewRestriction.objects.filter(
        page__path=Substr(models.OuterRef("path"), 1, Length("page__path"))
    )
    return queryset.live().exclude(models.Exists(restricted))


def _attachment_models() -> list[tuple[type[models.Model], str]]:
    """Return each model attaching library documents to records, with its field to the record."""
    from django.apps import apps

    from opencoop.core.models import AttachedDocument

    result = []
    for model in apps.get_models():
        if issubclass(model, AttachedDocument) and not model._meta.abstract:
            for f in model._meta.get_fields():
                if (
                    f.is_relation
                    and f.many_to_one
                    and f.name != "document"
                    and getattr(f.related_model, "live", None) is not None
                ):
                    result.append((model, f.name))
    return result


def _references(document_model, public_only: bool) -> models.Exists:
    """Return an Exists over the reference index rows pointing to the outer document.

    ``public_only`` keeps references from live public pages only.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db.models.functions import Cast
    from wagtail.models import Page, ReferenceIndex

    rows = ReferenceIndex.objects.filter(
        to_content_type=ContentType.objects.get_for_model(document_model),
        to_object_id=Cast(models.OuterRef("pk"), models.CharField()),
    )
    if public_only:
        pages = public_pages().annotate(key=Cast("pk", models.CharField())).values("key")
        rows = rows.filter(
            base_content_type=ContentType.objects.get_for_model(Page), object_id__in=pages
        )
    return models.Exists(rows)


def _attached_rule(document_model, today: datetime.date | None) -> models.Q:
    """Return the condition "attached to a public record, used by a public page, or unused"."""
    attached_public = _references(document_model, public_only=True)
    used = _references(document_model, public_only=False)
    for model, field in _attachments_cached():
        rows = model.objects.filter(document=models.OuterRef("pk"))
        record_model = model._meta.get_field(field).related_model
        public_records = public(record_model, today).values("pk")
        attached_public |= models.Exists(rows.filter(**{f"{field}__in": public_records}))
        used |= models.Exists(rows)
    return attached_public | ~used


def public_documents(
    queryset: models.QuerySet | None = None, today: datetime.date | None = None
) -> models.QuerySet:
    """Return the library documents the public may find and download.

    A document is public when it is in a collection without a view restriction and either
    attached to at least one public record (an activity's, initiative's or plan's document, a
    partnership's agreement) or used by a live public page (Wagtail's reference index), or used
    by nothing at all (a library document linked by hand). One attached only to drafts,
    embargoed records or unpublished pages is not: the search leaves it out and its download
    answers 404 to visitors (``may_download``, the ``before_serve_document`` hook).
    """
    from wagtail.documents import get_document_model

    document_model = get_document_model()
    queryset = document_model.objects.all() if queryset is None else queryset
    return queryset.filter(collection__view_restrictions__isnull=True).filter(
        _attached_rule(document_model, today)
    )


_ATTACHMENTS: list[tuple[type[models.Model], str]] = []


def _attachments_cached() -> list[tuple[type[models.Model], str]]:
    if not _ATTACHMENTS:
        _ATTACHMENTS.extend(_attachment_models())
    return _ATTACHMENTS


def authorities_read_in_full(user) -> frozenset[int] | None:
    """Return the authorities whose records ``user`` reads in full (hidden partners, exact
    places), or None for every authority (administrators, superusers).

    The query form of ``works_for``: selectors filter with it, single objects ask ``works_for``.
    """
    from opencoop.editorial.roles import sees_everything

    if user is None or not user.is_authenticated:
        return frozenset()
    if sees_everything(user):
        return None
    return staff_authorities(user)


def works_for(user, reporting_org_id: int | None) -> bool:
    """Say whether ``user`` works for the authority ``reporting_org_id`` (or for every one)."""
    authorities = authorities_read_in_full(user)
    return authorities is None or reporting_org_id in authorities


def may_download(user, document, today: datetime.date | None = None) -> bool:
    """Say whether ``user`` may download a library document, as far as records and pages go.

    Everyone for a document attached to a public record, used by a public page or used by
    nothing; otherwise staff of the authority of a record it is attached to, and administrators.
    A collection's view restriction (password, groups) is left to Wagtail's own serve hook,
    which asks for the password or a sign-in rather than answering 404.
    """
    model = type(document)
    if model.objects.filter(pk=document.pk).filter(_attached_rule(model, today)).exists():
        return True
    if user is None or not user.is_authenticated:
        return False
    from opencoop.editorial.roles import sees_everything

    if sees_everything(user):
        return True
    for model, field in _attachments_cached():
        authorities = model.objects.filter(document=document).values_list(
            f"{field}__reporting_org_id", flat=True
        )
        if any(works_for(user, org_id) for org_id in authorities):
            return True
    return False


def may_see_field(user, obj: models.Model, field: str, today: datetime.date | None = None) -> bool:
    """Say whether ``user`` may read ``field`` of ``obj`` (a record or one of its parts).

    The sensitive fields of an activity (exact places, hidden partners: see
    ``opencoop.activities.disclosure``) are readable by staff of the activity's reporting
    authority and by administrators only; everyone else (visitors, partners' contacts, editors
    of other authorities) reads them as the public does. False as well when ``user`` may not
    see the record at all.
    """
    from opencoop.activities import disclosure

    record = disclosure.record_of(obj)
    if record is None:
        return True
    if user is None or not user.is_authenticated:
        if not is_public(record, today):
            return False
    elif not may_see(user, record, today):
        return False
    if works_for(user, getattr(record, "reporting_org_id", None)):
        return True
    return not disclosure.is_hidden_field(obj, field)


def _is_staff(user) -> bool:
    """Say whether ``user`` works in the back office (a role, staff status, admin access)."""
    from opencoop.editorial.roles import role_names

    if user is None or not user.is_authenticated:
        return False
    return (
        user.is_staff
        or user.is_superuser
        or bool(role_names(user))
        or user.has_perm("wagtailadmin.access_admin")
    )


def _organisations_visible_to(user, queryset: models.QuerySet) -> models.QuerySet:
    """Narrow organisations to those ``user`` may see named in the back office.

    An organisation is concealed when it is a hidden partner ("a local partner") of an activity
    whose authority the user does not work for, and the user knows it from nowhere else: it is
    not a reporting authority, not one of the user's own organisations, not a participant of the
    user's authority's activities and not named in any public activity.
    """
    from opencoop.activities.disclosure import named_participations
    from opencoop.activities.models import Activity, ParticipatingOrg
    from opencoop.editorial import scope
    from opencoop.editorial.models import EditorialMembership
    from opencoop.editorial.roles import sees_everything

    if sees_everything(user):
        return queryset
    staff = scope.organisation_ids(user, EditorialMembership.STAFF)
    partners = scope.organisation_ids(user, EditorialMembership.PARTNER)
    own_activities = Activity.objects.filter(reporting_org__in=staff).values("pk")
    hidden_elsewhere = (
        ParticipatingOrg.objects.filter(hide_name=True)
        .exclude(activity__in=own_activities)
        .values("organisation")
    )
    named_publicly = named_participations().filter(activity__in=public(Activity).values("pk"))
    own_partners = ParticipatingOrg.objects.filter(activity__in=own_activities)
    concealed = (
        models.Q(pk__in=hidden_elsewhere)
        & models.Q(is_reporting=False)
        & ~models.Q(pk__in=staff | partners)
        & ~models.Q(pk__in=own_partners.values("organisation"))
        & ~models.Q(pk__in=named_publicly.values("organisation"))
    )
    return queryset.exclude(concealed)


def _collection_members_visible_to(user, queryset: models.QuerySet) -> models.QuerySet:
    """Narrow documents or images to those the user may use: their collections' permissions."""
    from wagtail.permissions import policy_registry

    permission_policy = policy_registry.get_by_type(queryset.model)
    reach = permission_policy.instances_user_has_any_permission_for(
        user, ["change", "delete", "choose"]
    )
    return queryset.filter(pk__in=reach.values("pk"))


def _pages_visible_to(user, queryset: models.QuerySet) -> models.QuerySet:
    """Narrow pages to the live ones and those the user holds a page permission on."""
    from wagtail.models import Page
    from wagtail.permissions import policy_registry

    permission_policy = policy_registry.get_by_type(Page)
    reach = permission_policy.instances_user_has_any_permission_for(
        user, ["add", "change", "publish", "lock", "unlock", "bulk_delete"]
    )
    return queryset.filter(models.Q(live=True) | models.Q(pk__in=reach.values("pk")))


def visible_to(user, model_or_queryset, today: datetime.date | None = None) -> models.QuerySet:
    """Return the objects ``user`` may see: the public ones for a visitor; for staff, what the
    back office lists to them.

    Staff (Partner, Editor, Reviewer, each scoped to authorities): the records they reach for
    "view" (their authority's, drafts and embargoed included; a partner's contact, the activities
    their organisation joins), organisations except other authorities' hidden partners, pages,
    documents and images as their permission policies allow. Administrators and superusers: all.
    """
    from opencoop.editorial import scope
    from opencoop.organisations.models import Organisation

    queryset = (
        model_or_queryset
        if isinstance(model_or_queryset, models.QuerySet)
        else model_or_queryset._default_manager.all()
    )
    if not _is_staff(user):
        return public(queryset, today)
    model = queryset.model
    if scope.is_record_model(model):
        reach = scope.reachable(model, user, "view").values("pk")
        return queryset.filter(pk__in=reach)
    if issubclass(model, Organisation):
        return _organisations_visible_to(user, queryset)
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Page

    if issubclass(model, Page):
        return _pages_visible_to(user, queryset)
    if issubclass(model, (get_document_model(), get_image_model())):
        return _collection_members_visible_to(user, queryset)
    return queryset


def may_see(user, obj: models.Model, today: datetime.date | None = None) -> bool:
    """Say whether ``user`` may see ``obj`` (anonymous visitors: only what is public).

    Staff see what they reach and, like everybody, what is public; other objects as
    ``visible_to`` lists them.
    """
    from opencoop.editorial import scope

    if obj is None:
        return False
    if not _is_staff(user):
        return is_public(obj, today)
    if scope.is_record_model(type(obj)):
        return scope.can_reach(user, obj, "view") or is_public(obj, today)
    if obj.pk is None:
        return True
    return visible_to(user, type(obj)._default_manager.filter(pk=obj.pk), today).exists()


def may_change(user, obj: models.Model) -> bool:
    """Say whether ``user`` may change ``obj`` (any record, organisation, document, image, page)."""
    return may(user, "change", obj)


def may_publish(user, obj: models.Model) -> bool:
    """Say whether ``user`` may publish ``obj`` (documents and images have no publishing: False)."""
    return may(user, "publish", obj)


def may_delete(user, obj: models.Model) -> bool:
    """Say whether ``user`` may delete ``obj``."""
    return may(user, "delete", obj)


# Staff side: who may change, publish or delete what -------------------------------------------
# Two questions, answered together. The group (role) says which actions a user may perform at
# all (Django and Wagtail permissions, created by the editorial migrations); the scope says on
# which objects: those of the authorities the user works for (``EditorialMembership``). Roles are
# groups shared by every authority, so the scope cannot live in the groups' permissions: Wagtail's
# permission policies (``opencoop.editorial.permissions``) combine the two by asking ``in_scope``
# below, and ``may`` asks those same policies, so the admin and this module cannot disagree.


def may(user, action: str, obj: models.Model) -> bool:
    """Say whether ``user`` may perform ``action`` (change, publish, unpublish, delete, view) on
    ``obj``, asking the Wagtail permission policy the admin itself asks."""
    from wagtail.models import Page
    from wagtail.permissions import policy_registry

    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if isinstance(obj, Page):
        tester = obj.permissions_for_user(user)
        checks = {
            "view": tester.can_edit,
            "change": tester.can_edit,
            "add": tester.can_add_subpage,
            "publish": tester.can_publish,
            "unpublish": tester.can_publish,
            "delete": tester.can_delete,
        }
        return bool(checks[action]()) if action in checks else False
    if action == "unpublish":
        action = "publish"
    return policy_registry.get(obj).user_has_permission_for_instance(user, action, obj)


def staff_authorities(user) -> frozenset[int]:
    """Return the ids of the reporting authorities ``user`` works for (as staff)."""
    from opencoop.editorial import scope
    from opencoop.editorial.models import EditorialMembership

    return scope.organisation_ids(user, EditorialMembership.STAFF)


def organisation_users(organisation) -> frozenset[int]:
    """Return the authorities whose records name ``organisation`` (as partner, participant...)."""
    from opencoop.activities.models import Activity
    from opencoop.initiatives.models import Initiative
    from opencoop.partnerships.models import Partnership

    if organisation.pk is None:
        return frozenset()
    ids: set[int] = set()
    for queryset in (
        Activity.objects.filter(participating_orgs__organisation=organisation),
        Initiative.objects.filter(partners__organisation=organisation),
        Partnership.objects.filter(partner=organisation),
    ):
        ids.update(queryset.values_list("reporting_org_id", flat=True).distinct())
    return frozenset(ids)


def is_shared(organisation) -> bool:
    """Say whether a partner organisation is named by the records of several authorities."""
    return not organisation.is_reporting and len(organisation_users(organisation)) > 1


def authorities_of(obj: models.Model) -> frozenset[int]:
    """Return the reporting authorities ``obj`` belongs to; none means portal-wide.

    A record belongs to its reporting organisation; a reporting authority to itself; a partner
    to the authorities whose records name it; a document, an image or a collection to the
    authority whose collection holds it; a page to the authority of the section it is in.
    """
    from wagtail.models import Collection, Page

    from opencoop.editorial import scope
    from opencoop.organisations.models import Organisation

    if scope.is_record_model(type(obj)):
        return frozenset({obj.reporting_org_id} if obj.reporting_org_id else ())
    if isinstance(obj, Organisation):
        return frozenset({obj.pk}) if obj.is_reporting and obj.pk else organisation_users(obj)
    if isinstance(obj, Page):
        return _section_authorities(obj)
    if isinstance(obj, Collection):
        return _collection_authorities(obj)
    if hasattr(obj, "collection_id") and hasattr(obj, "file"):  # documents and images
        return _collection_authorities(obj.collection) if obj.collection_id else frozenset()
    return frozenset()


def _ancestor_paths(node) -> list[str]:
    step = type(node).steplen
    return [node.path[:end] for end in range(step, len(node.path) + 1, step)]


def _collection_authorities(collection) -> frozenset[int]:
    from opencoop.organisations.models import Organisation

    ids = Organisation.objects.filter(collection__path__in=_ancestor_paths(collection))
    return frozenset(ids.values_list("pk", flat=True))


def _section_authorities(page) -> frozenset[int]:
    from opencoop.pages.models import SectionPage

    sections = SectionPage.objects.filter(path__in=_ancestor_paths(page)).order_by("-depth")
    nearest = sections.values_list("reporting_org_id", flat=True).first()
    return frozenset({nearest} if nearest else ())


# Publishing a partner shared by several authorities is the reviewers' (and administrators') job.
SHARED_ORGANISATION_PUBLISHERS = {"Reviewer"}


def in_scope(user, obj: models.Model, action: str) -> bool:
    """Say whether ``obj`` is within ``user``'s reach for ``action``, whatever their role allows.

    Administrators and superusers reach everything. Records follow ``opencoop.editorial.scope``
    (a partner's contact reaches the activities their organisation joins). An organisation that
    is a reporting authority is its own staff's; a partner used by one authority is that
    authority's; a partner used by several is changed by any of them but published only by their
    reviewers (an editor's change waits, as a draft, for review); a partner nobody uses yet is any
    staff's. Documents, images and pages are their authority's (collection, section); those
    outside any authority's collection or section are the administrators'.
    """
    from opencoop.editorial import scope
    from opencoop.editorial.roles import role_names, sees_everything
    from opencoop.organisations.models import Organisation

    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if sees_everything(user):
        return True
    if scope.is_record_model(type(obj)):
        return scope.can_reach(user, obj, action)
    mine = staff_authorities(user)
    if isinstance(obj, Organisation):
        if obj.pk is None:
            return bool(mine)
        if obj.is_reporting:
            return obj.pk in mine
        users = organisation_users(obj)
        if not users:
            return bool(mine)
        if len(users) > 1 and action in ("publish", "unpublish", "delete"):
            return bool(users & mine) and bool(role_names(user) & SHARED_ORGANISATION_PUBLISHERS)
        return bool(users & mine)
    return bool(authorities_of(obj) & mine)


def may_set_reporting_flag(user) -> bool:
    """Say whether ``user`` may make an organisation a reporting authority (or stop it being one)."""
    from opencoop.editorial.roles import sees_everything

    return user is not None and sees_everything(user)
