"""The admin's sources status page: each source, its last success and its last failure."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from .models import HarvestSource


def status(request: HttpRequest) -> HttpResponse:
    """List every source with how its last runs went (for those who may see sources)."""
    if not request.user.has_perm("harvest.view_harvestsource"):
        raise PermissionDenied
    title = _("Harvest sources status")
    return TemplateResponse(
        request,
        "harvest/status.html",
        {
            "sources": HarvestSource.objects.order_by("name").prefetch_related("harvests")[:500],
            "page_title": title,
            "header_title": title,
            "header_icon": "download",
        },
    )
