"""Admin for activities: a snippet with drafts, revisions, locking and review workflow."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet

from opencoop.editorial.listing import record_filterset
from opencoop.editorial.viewsets import EditorialSnippetViewSet

from .models import Activity


class ActivityViewSet(EditorialSnippetViewSet):
    model = Activity
    icon = "site"
    menu_label = _("Activities")
    menu_order = 100
    add_to_admin_menu = True
    list_display = ["__str__", "iati_identifier", "reporting_org", "status"]
    filterset_class = record_filterset(Activity, "status")


register_snippet(ActivityViewSet)
