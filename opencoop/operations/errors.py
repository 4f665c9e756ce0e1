"""Error pages that render without the database, in the visitor's language."""

from __future__ import annotations

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# How long a client should wait before trying again while the database is away (seconds).
RETRY_AFTER_SECONDS = 30


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Say whether ``exc`` (or what caused it) means the database cannot be reached."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def page_languages(request: HttpRequest | None) -> list[str]:
    """Return the languages to write an error page in: the URL's prefix, or all of them."""
    codes = [code for code, _name in settings.LANGUAGES]
    if request is not None:
        first = request.path.lstrip("/").split("/", 1)[0]
        if first in codes:
            return [first]
    return codes


def home_links() -> list[dict]:
    """Return each language's home page, named in its own language (no database needed)."""
    links = []
    for code, name in settings.LANGUAGES:
        with translation.override(code):
            links.append(
                {
                    "lang": code,
                    "url": f"/{code}/",
                    "label": name,
                    "home_label": translation.gettext("Go to the home page"),
                }
            )
    return links


def render_error_page(
    request: HttpRequest | None, template: str, status: int, extra: dict | None = None
) -> HttpResponse:
    """Render an error page with no request context, so no context processor touches the DB."""
    languages = page_languages(request)
    body = loader.get_template(template).render(
        {
            "languages": languages,
            "page_lang": languages[0],
            "home_url": f"/{languages[0]}/" if len(languages) == 1 else "/",
            "alternates": home_links(),
            "site_name": settings.WAGTAIL_SITE_NAME,
            "request_id": getattr(request, "request_id", ""),
            **(extra or {}),
        }
    )
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


def unavailable_response(request: HttpRequest | None) -> HttpResponse:
    """Return the friendly 503 page shown while the database is away."""
    response = render_error_page(request, "503.html", 503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


# Where a request may carry a NUL byte or invalid UTF-8 (see ``RequestHygieneMiddleware``).
HOSTILE_PARTS = {
    "path": _(
        "The address contains a character that is not allowed (a NUL byte or a byte that is "
        "not UTF-8) in its path: check the link."
    ),
    "query": _(
        "The address contains a character that is not allowed (a NUL byte or a byte that is "
        "not UTF-8) in its parameters, after “?”: check the link."
    ),
    "form": _(
        "The form contains a character that is not allowed (a NUL byte or a byte that is not "
        "UTF-8): remove it from the text and send the form again."
    ),
}


def hostile_input_response(request: HttpRequest, part: str) -> HttpResponse:
    """Return the 400 answer to a request with a NUL byte or invalid UTF-8 in ``part``.

    JSON with the API's error shape under ``/api/`` (in the API's default language), the site's
    error page, in the address's language, elsewhere.
    """
    if request.path_info.startswith("/api/"):
        with translation.override(settings.LANGUAGE_CODE):
            detail = str(HOSTILE_PARTS[part])
        response: HttpResponse = JsonResponse({"detail": detail, "errors": [part]}, status=400)
    else:
        # Lazy: the page writes it in each of its languages.
        response = render_error_page(request, "400.html", 400, {"message": HOSTILE_PARTS[part]})
    response["Cache-Control"] = "no-store"
    return response
