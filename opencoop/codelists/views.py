"""The options of the admin's codelist pickers, as JSON, in the editor's language."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from . import registry


def options(request: HttpRequest) -> JsonResponse:
    """Return ``{"options": [[code, "code – label"], …]}`` for the codelists in ``?lists=``."""
    names = [name for name in request.GET.get("lists", "").split(",") if name]
    unknown = [name for name in names if not registry.exists(name)]
    if not names or unknown:
        message = _("Unknown IATI codelist: %(names)s.") % {"names": ", ".join(unknown) or "–"}
        return JsonResponse({"error": message}, status=400)
    pairs = [pair for name in names for pair in registry.get(name).choices(with_code=True)]
    response = JsonResponse({"options": pairs})
    # The address names the language, so a day in the browser's cache is safe.
    patch_cache_control(response, private=True, max_age=86400)
    return response
