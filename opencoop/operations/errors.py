"""Error pages that render without the database, in the visitor's language."""

from __future__ import annotations

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# How long a client should wait before trying again while the database is away (seconds).
RETRY_AFTER_SECONDS = 30


# SQLite's result code for an SQL error (no such column or table, a syntax error): the query is
# wrong, the database is there. Its other codes (CANTOPEN, BUSY, IOERR, FULL…) are outages.
SQLITE_QUERY_ERROR = "SQLITE_ERROR"
# PostgreSQL's SQLSTATE classes of a database that cannot serve: connection exceptions (08),
# insufficient resources (53: too many connections, disk full), shutdown or starting up (57P).
# An error without a SQLSTATE never got an answer from the server (refused, timed out, closed).
POSTGRESQL_OUTAGE_STATES = ("08", "53", "57P")


def _is_outage(driver_error: BaseException) -> bool:
    """Say whether the database driver's error means the database cannot be reached."""
    sqlite_name = getattr(driver_error, "sqlite_errorname", None)
    if sqlite_name is not None:
        return sqlite_name != SQLITE_QUERY_ERROR
    if hasattr(driver_error, "sqlstate") or hasattr(driver_error, "pgcode"):
        state = getattr(driver_error, "sqlstate", None) or getattr(driver_error, "pgcode", None)
        return state is None or state.startswith(POSTGRESQL_OUTAGE_STATES)
    return True


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Say whether ``exc`` (or what caused it) means the database cannot be reached.

    Django raises ``OperationalError`` for an outage, but SQLite raises it for a wrong query too
    ("no such column"), a programming error that must be a 500 and be logged as one, not a 503
    that says "try again later". The driver's error (the ``__cause__`` Django keeps) tells them
    apart by its code; an ``OperationalError`` without one is taken as an outage.
    """
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, InterfaceError):
            return True
        if isinstance(exc, OperationalError):
            return exc.__cause__ is None or _is_outage(exc.__cause__)
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


def home_links(request: HttpRequest | None = None) -> list[dict]:
    """Return each language's home page, named in its own language (no database needed).

    The site's languages when the request has already been told them
    (``opencoop.core.sites.site_languages``), else every portal language.
    """
    offered = getattr(request, "_oc_site_languages", None)
    links = []
    for code, name in settings.LANGUAGES:
        if offered is not None and code not in offered:
            continue
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
            "alternates": home_links(request),
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


# What is wrong when a request carries a NUL byte or invalid UTF-8 (``RequestHygieneMiddleware``).
HOSTILE_PARTS = {
    "path": _(
        "The address contains a character that is not allowed (a NUL byte or a byte that is "
        "not UTF-8) in its path: check the link."
    ),
    "query": _(
        "The address contains a character that is not allowed (a NUL byte or a byte that is "
        "not UTF-8) in its parameter “%(name)s”, after “?”: check the link."
    ),
    "form": _(
        "The form contains a character that is not allowed (a NUL byte or a byte that is not "
        "UTF-8) in its field “%(name)s”: remove it from the text and send the form again."
    ),
}
# Addresses answered in JSON; other addresses of a file (a last segment with an extension, as
# activities.csv or feeds/activities.atom) are answered in plain text, pages with a page.
JSON_PREFIXES = ("/api/",)


class _Message:
    """A message with its values, written in the language active when it is shown.

    The error page shows every language of an address without a prefix, each in its own
    ``{% language %}`` block, so the text is made only then.
    """

    def __init__(self, message: Promise, values: dict) -> None:
        self.message, self.values = message, values

    def __str__(self) -> str:
        return str(self.message) % self.values


def hostile_input_response(request: HttpRequest, part: str, name: str = "") -> HttpResponse:
    """Return the 400 answer to a request with a NUL byte or invalid UTF-8 in ``part``.

    In the endpoint's format: JSON (``detail`` and ``errors``, as the API and the downloads
    write them) under ``/api/`` and for ``.json`` files, and plain text for other files, both in
    the language of ``lang`` (else the default one); elsewhere the site's error page in the
    address's language.
    """
    message = _Message(HOSTILE_PARTS[part], {"name": name})
    # Files and the API speak the language of their ``lang`` parameter when it is one of ours.
    codes = [code for code, _name in settings.LANGUAGES]
    asked = request.GET.get("lang", "")
    language = asked if asked in codes else settings.LANGUAGE_CODE
    path = request.path_info
    last_segment = path.rsplit("/", 1)[-1]
    if path.startswith(JSON_PREFIXES) or last_segment.endswith(".json"):
        with translation.override(language):
            detail = str(message)
        response: HttpResponse = JsonResponse({"detail": detail, "errors": [detail]}, status=400)
    elif "." in last_segment:
        with translation.override(language):
            body = str(message) + "\n"
        response = HttpResponse(body, status=400, content_type="text/plain; charset=utf-8")
    else:
        response = render_error_page(request, "400.html", 400, {"message": message})
    response["Cache-Control"] = "no-store"
    return response
