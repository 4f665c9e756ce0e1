"""Admin of harvesting: the sources (for atlas administrators), their status page, and harvested
activities kept read-only (editors change them at their source)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from opencoop.activities.models import Activity

from . import views
from .models import HarvestedActivity, HarvestSource


class HarvestSourceViewSet(SnippetViewSet):
    model = HarvestSource
    icon = "download"
    menu_label = gettext_lazy("Harvest sources")
    add_to_settings_menu = True
    list_display = [
        "name",
        "reporting_org",
        "schedule",
        "active",
        "last_success_at",
        "last_failure_at",
    ]
    list_filter = ["active", "schedule"]


register_snippet(HarvestSourceViewSet)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("harvest/status/", views.status, name="harvest_status")]


class StatusMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return request.user.has_perm("harvest.view_harvestsource")


@hooks.register("register_settings_menu_item")
def register_status_menu_item():
    return StatusMenuItem(
        gettext_lazy("Harvest status"), reverse("harvest_status"), icon_name="download", order=910
    )


@hooks.register("before_edit_snippet")
def keep_harvested_read_only(request, instance):
    """Refuse to save a harvested activity: the next harvest would overwrite the change."""
    if not isinstance(instance, Activity):
        return None
    provenance = (
        HarvestedActivity.objects.filter(activity=instance, withdrawn_at__isnull=True)
        .select_related("source")
        .first()
    )
    if provenance is None:
        return None
    text = _(
        "This activity is harvested from %(source)s: change it on that portal; the next "
        "harvest brings the change here."
    ) % {"source": provenance.source.name}
    if request.method == "POST":
        messages.error(request, text)
        return redirect(request.path)
    messages.warning(request, text)
    return None
