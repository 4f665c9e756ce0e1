"""The map's data as JSON: the same figures as the map page's table and the statistics page."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from opencoop.catalogue.filters import parse_language
from opencoop.operations.pagecache import reads_query
from opencoop.organisations.models import Organisation
from opencoop.stats.selectors import Scope, by_country

from .selectors import map_data, map_points


@require_GET
def map_json(request: HttpRequest, scope: str) -> JsonResponse:
    """Return countries (activities and amounts by currency) and places of one scope."""
    reads_query(request, ["lang"])
    lang, problems = parse_language(request.GET)
    if problems:
        return JsonResponse({"error": problems[0].message}, status=400)
    organisation = None
    if scope != "all":
        organisation = Organisation.objects.reporting().filter(slug=scope).first()
        if organisation is None:
            message = _(
                "“%(value)s” is not a reporting authority of this portal: use one's slug, or “all”."
            ) % {"value": scope}
            return JsonResponse({"error": message}, status=404)
    with translation.override(lang):
        figures = Scope(organisation)
        data = map_data(figures, by_country(figures), map_points(figures))
    data["lang"] = lang
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
