"""The kinds of record a section lists, and how each is looked up for the public."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from opencoop.access import policy
from opencoop.activities.disclosure import (
    places_hidden,
    public_children,
    public_locations,
    public_parent,
    public_participants,
    public_related_activities,
)
from opencoop.activities.models import Activity
from opencoop.activities.part_rows import load_parts
from opencoop.activities.parts import PARTS, RELATED_CHILD, RELATED_PARENT, Part
from opencoop.exchanges.models import Exchange
from opencoop.initiatives.models import Initiative, InitiativeDocument, InitiativePartner
from opencoop.partnerships.models import Agreement, Partnership
from opencoop.plans.models import AnnualPlan, PlanAllocation, PlanDocument


def _counts_not_installed(models, authority_ids) -> dict:
    raise ImproperlyConfigured("opencoop.catalogue installs count_by_authority at start-up")


# How many public records of each model each authority has (the home page's numbers): the
# catalogue's kept counts, installed by the catalogue at start-up (``catalogue.apps``). The pages
# cannot import the catalogue: the records reach them through the access policy.
count_by_authority: Callable[[Iterable[type[Model]], Iterable[int]], dict[tuple, int]] = (
    _counts_not_installed
)


@dataclass(frozen=True)
class RecordKind:
    key: str
    model: type[Model]
    label: str
    template: str
    detail_context: Callable[[Model], dict] = field(default=lambda record: {})
    # What the record's page shows, fetched in one query per kind of part rather than per part.
    page_related: tuple[str, ...] = ()
    page_prefetch: tuple[str | Prefetch, ...] = ()
    # Parts read with ``load_parts``: one query for them all on PostgreSQL, not one per part.
    page_parts: tuple[Part, ...] = ()

    def published(self, reporting_org) -> QuerySet:
        """Return the records of ``reporting_org`` the public may see, in list order."""
        qs = policy.public(self.model)
        if reporting_org is not None:
            qs = qs.filter(reporting_org=reporting_org)  # an authority or its id
        return qs

    def for_page(self, reporting_org) -> QuerySet:
        """Return ``published()`` with everything the record's page shows fetched ahead."""
        return (
            self.published(reporting_org)
            .select_related(*self.page_related)
            .prefetch_related(*self.page_prefetch)
        )

    def page_record(self, reporting_org, slug: str) -> Model | None:
        """Return the public record at ``slug`` with what its page shows (None: there is none)."""
        records = self.for_page(reporting_org).filter(slug=slug)
        if reporting_org is None:
            record = records.first()
        else:
            # One at most (slugs are unique per authority): no order to ask for. Ordered (as
            # first() does), Django compares each selected column with the order, about 170
            # with the related rows: 1.2 of the 2.4 ms of building this query.
            record = next(iter(records.order_by()[:1]), None)
        if record is not None and self.page_parts:
            load_parts([record], self.page_parts)
        return record


@dataclass(frozen=True)
class RelatedOnPage:
    """A related activity on the record's page: linked when public here and of the same section."""

    ref: str
    type: str
    target: Activity | None


def related_on_page(activity: Activity) -> list[RelatedOnPage]:
    """Return the relations the activity states besides its parent and sub-projects (the page
    shows those already), each with its page's activity when it has one in the same section
    (one query, only when some are on the portal)."""
    shown = {item.iati_identifier for item in public_children(activity)}
    parent = public_parent(activity)
    if parent is not None:
        shown.add(parent.iati_identifier)
    related = [
        item
        for item in public_related_activities(activity)
        if not (item.ref in shown and item.type in (RELATED_PARENT, RELATED_CHILD))
    ]
    refs = [item.ref for item in related if item.on_portal]
    targets = (
        {
            target.iati_identifier: target
            for target in policy.public(Activity)
            .filter(iati_identifier__in=refs, reporting_org_id=activity.reporting_org_id)
            .only("iati_identifier", "slug", "title", *policy.PUBLIC_STATE_FIELDS)
        }
        if refs
        else {}
    )
    return [RelatedOnPage(item.ref, item.type, targets.get(item.ref)) for item in related]


def _documents(model: type[Model]) -> Prefetch:
    return Prefetch("documents", queryset=model.objects.select_related("document"))


KINDS: dict[str, RecordKind] = {
    kind.key: kind
    for kind in [
        RecordKind(
            "activities",
            Activity,
            _("Projects"),
            "pages/records/activity.html",
            lambda activity: {
                "locations": public_locations(activity),
                "places_hidden": places_hidden(activity),
                "participants": public_participants(activity),
                # Related records go through the policy: no link to an embargoed parent or child.
                "parent": public_parent(activity),
                "children": public_children(activity),
                "related": related_on_page(activity),
            },
            # The harvest's provenance line too (one row at most, with its source).
            page_related=("reporting_org", "parent", "harvest_provenance__source"),
            page_prefetch=("children",),
            page_parts=tuple(p for p in PARTS if p.page),
        ),
        RecordKind(
            "initiatives",
            Initiative,
            _("Initiatives"),
            "pages/records/initiative.html",
            page_related=("reporting_org",),
            page_prefetch=(
                Prefetch(
                    "partners", queryset=InitiativePartner.objects.select_related("organisation")
                ),
                _documents(InitiativeDocument),
                "countries",
            ),
        ),
        RecordKind(
            "exchanges",
            Exchange,
            _("Seminars and exchanges"),
            "pages/records/exchange.html",
            page_related=("reporting_org",),
        ),
        RecordKind(
            "plans",
            AnnualPlan,
            _("Annual plans"),
            "pages/records/plan.html",
            # Only the allocations to public activities: a draft's or an embargoed activity's
            # title and amount stay off the plan's page.
            lambda plan: {
                "allocations": [
                    allocation
                    for allocation in plan.allocations.all()
                    if policy.is_public(allocation.activity)
                ]
            },
            page_related=("reporting_org",),
            page_prefetch=(
                Prefetch("allocations", queryset=PlanAllocation.objects.select_related("activity")),
                _documents(PlanDocument),
            ),
        ),
        RecordKind(
            "partnerships",
            Partnership,
            _("Partnerships"),
            "pages/records/partnership.html",
            page_related=("reporting_org", "partner"),
            page_prefetch=(
                Prefetch("agreements", queryset=Agreement.objects.select_related("document")),
            ),
        ),
    ]
}
