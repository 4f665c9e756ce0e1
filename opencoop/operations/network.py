"""Where a request comes from, read in one place for throttling and logs."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return ""


def client_ip(request: HttpRequest) -> str:
    """Return the visitor's IP address, or "" when there is none (e.g. a request made in code).

    Behind a reverse proxy ``REMOTE_ADDR`` is the proxy's address; set ``OPENCOOP_CLIENT_IP_HEADER``
    (e.g. ``HTTP_X_REAL_IP``) to a header that the proxy overwrites, never one a visitor can forge.
    """
    header = getattr(settings, "OPENCOOP_CLIENT_IP_HEADER", "")
    if header:
        forwarded = _valid(request.META.get(header, "").split(",")[0])
        if forwarded:
            return forwarded
    return _valid(request.META.get("REMOTE_ADDR", ""))
