"""The kinds of record a section lists, and how each is looked up for the public."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from opencoop.activities.disclosure import (
    public_activities,
    public_locations,
    public_participants,
)
from opencoop.activities.models import Activity
from opencoop.exchanges.models import Exchange
from opencoop.initiatives.models import Initiative
from opencoop.partnerships.models import Partnership
from opencoop.plans.models import AnnualPlan


@dataclass(frozen=True)
class RecordKind:
    key: str
    model: type[Model]
    label: str
    template: str
    detail_context: Callable[[Model], dict] = field(default=lambda record: {})

    def published(self, reporting_org) -> QuerySet:
        """Return the records of ``reporting_org`` the public may see, in list order."""
        if self.model is Activity:
            qs = public_activities()
        else:
            qs = self.model.objects.published()
        if reporting_org is not None:
            qs = qs.filter(reporting_org=reporting_org)
        return qs


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
                "participants": public_participants(activity),
            },
        ),
        RecordKind("initiatives", Initiative, _("Initiatives"), "pages/records/initiative.html"),
        RecordKind(
            "exchanges", Exchange, _("Seminars and exchanges"), "pages/records/exchange.html"
        ),
        RecordKind("plans", AnnualPlan, _("Annual plans"), "pages/records/plan.html"),
        RecordKind(
            "partnerships", Partnership, _("Partnerships"), "pages/records/partnership.html"
        ),
    ]
}
