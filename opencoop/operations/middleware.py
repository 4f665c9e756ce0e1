"""Middleware for running in production: request ids, input hygiene, security headers, outages."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.handlers.wsgi import get_bytes_from_wsgi
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from .errors import hostile_input_response, is_database_unavailable, unavailable_response
from .logs import request_id_var

access_log = logging.getLogger("opencoop.access")
logger = logging.getLogger("opencoop.operations")

# An id forwarded by the reverse proxy is kept when it is short and harmless, so that the
# proxy's log and ours share it; anything else is replaced.
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Give each request an id, put it on every log record and on the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status_code": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


# Django decodes the path and percent-encodes again the bytes that are not UTF-8 (uppercase, as
# %FF); a valid character is decoded, so an encoded high byte left in the path is a broken one
# (or an encoded "%" before hex digits, which addresses nothing on this site either).
BROKEN_UTF8_IN_PATH_RE = re.compile(r"%[89A-F][0-9A-F]")


def _path_is_clean(path_info: str) -> bool:
    return "\x00" not in path_info and not BROKEN_UTF8_IN_PATH_RE.search(path_info)


def _is_clean(raw: bytes) -> bool:
    """Say whether ``raw`` is valid UTF-8 without a NUL byte."""
    if b"\x00" in raw:
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _unclean_field(encoded: bytes) -> str | None:
    """Return the name of the first field of URL-encoded ``encoded`` that is not clean, or None.

    The name is shown to the visitor: its bad bytes are replaced and it is cut short.
    """
    for item in encoded.split(b"&"):
        raw_name, _sep, raw_value = item.partition(b"=")
        name = unquote_to_bytes(raw_name.replace(b"+", b" "))
        value = unquote_to_bytes(raw_value.replace(b"+", b" "))
        if not (_is_clean(name) and _is_clean(value)):
            shown = name.replace(b"\x00", b"").decode("utf-8", "replace")
            return shown[:40] or "?"
    return None


@dataclass(frozen=True)
class HostileInput:
    """Where a request holds a NUL byte or invalid UTF-8: its path, a parameter, a form field."""

    part: str  # "path", "query" or "form"
    name: str = ""  # the parameter or field


def hostile_input(request: HttpRequest) -> HostileInput | None:
    """Return where ``request`` holds a NUL byte or invalid UTF-8, or None when it does not.

    Django repairs broken UTF-8 in the path by percent-encoding it again and in parameters by
    replacing it, and lets NUL bytes through, which PostgreSQL then refuses with an error (a
    500); so the query and a URL-encoded form are read as bytes here, and the path for what
    Django's repair leaves in it. Multipart forms are left to Django's form fields, which refuse
    NUL characters themselves.
    """
    if not _path_is_clean(request.path_info):
        return HostileInput("path")
    query = get_bytes_from_wsgi(request.META, "QUERY_STRING", "")  # ISO-8859-1 in WSGI
    name = _unclean_field(query)
    if name is not None:
        return HostileInput("query", name)
    if request.method == "POST" and request.content_type == FORM_CONTENT_TYPE:
        try:
            body = request.body
        except RequestDataTooBig:  # Django answers that itself when the form is read
            return None
        name = _unclean_field(body)
        if name is not None:
            return HostileInput("form", name)
    return None


class RequestHygieneMiddleware:
    """Refuse with 400 a request whose path, query or form holds a NUL byte or invalid UTF-8.

    The answer has the endpoint's format (see ``hostile_input_response``). It sits early, before
    anything (page cache, sessions, views) reads the request's data.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        found = hostile_input(request)
        if found is not None:
            logger.warning(
                "Request refused: NUL byte or invalid UTF-8 in its %s %s",
                found.part,
                found.name,
                extra={"status_code": 400},
            )
            return hostile_input_response(request, found.part, found.name)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """Answer 503 with the friendly page when a view finds the database gone.

    Errors raised outside views (in other middleware) reach ``handler500``, which makes the same
    choice; see ``opencoop.operations.views.server_error``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        logger.error(
            "Database unavailable: %s",
            type(exception).__name__,
            exc_info=exception,
            extra={"status_code": 503},
        )
        return unavailable_response(request)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """Send the strict policy on public pages and a looser one where it is needed.

    The Wagtail admin still ships inline scripts in some widgets and previews pages in a frame of
    its own, so ``/admin/`` gets ``OPENCOOP_ADMIN_CSP``; documents get ``OPENCOOP_DOCUMENT_CSP``,
    which sandboxes whatever a browser might try to render from a download.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if request.path_info.startswith("/documents/") and "Content-Security-Policy" in response:
            # Wagtail sends "default-src 'none'"; ours adds the sandbox.
            del response["Content-Security-Policy"]
        return super().process_response(request, response)

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only or parts.config is not None:
            return parts
        for prefix, setting in (
            ("/admin/", "OPENCOOP_ADMIN_CSP"),
            ("/documents/", "OPENCOOP_DOCUMENT_CSP"),
        ):
            if request.path_info.startswith(prefix):
                parts.config = getattr(settings, setting)
        return parts


class PermissionsPolicyMiddleware:
    """Send ``Permissions-Policy``: the portal needs no camera, microphone, location or payment."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        policy = getattr(settings, "OPENCOOP_PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response
