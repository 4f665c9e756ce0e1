"""Admin for activities: a snippet with drafts, revisions, locking and review workflow."""

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.snippets.models import register_snippet

from opencoop.editorial.viewsets import EditorialSnippetViewSet

from .models import Activity


class ActivityFilterSet(WagtailFilterSet):
    # A choice, not Wagtail's boolean filter, whose active-filter pill reads "True" in any language.
    live = django_filters.ChoiceFilter(
        label=_("Live"), choices=[("1", _("Yes")), ("0", _("No"))], empty_label=_("All")
    )

    class Meta:
        model = Activity
        fields = ["reporting_org", "live", "status"]


class ActivityViewSet(EditorialSnippetViewSet):
    model = Activity
    icon = "site"
    menu_label = _("Activities")
    menu_order = 100
    add_to_admin_menu = True
    list_display = ["__str__", "iati_identifier", "reporting_org", "status"]
    filterset_class = ActivityFilterSet


register_snippet(ActivityViewSet)
