"""System checks for a production deployment, shown by ``manage.py check --deploy``.

Django's own deployment checks cannot know that OpenCoop runs behind a reverse proxy: there
``REMOTE_ADDR`` is the proxy's address, so without ``OPENCOOP_CLIENT_IP_HEADER`` every visitor
shares one sign-in lockout and one suggestions quota (see ``opencoop.operations.network``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

# The value that says "no proxy in front: REMOTE_ADDR is the visitor" explicitly.
DIRECT = "REMOTE_ADDR"


@register(Tags.security, deploy=True)
def check_client_ip_header(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """Warn when the header carrying the visitor's address is unset or cannot be a header."""
    header = getattr(settings, "OPENCOOP_CLIENT_IP_HEADER", "") or ""
    if not header:
        return [
            Warning(
                "OPENCOOP_CLIENT_IP_HEADER is not set: behind a reverse proxy every visitor "
                "has the proxy's address, so all of them share one sign-in lockout and one "
                "suggestions quota.",
                hint=(
                    "Set it to the header your proxy overwrites with the visitor's address "
                    "(HTTP_X_REAL_IP with the nginx set-up of docs/deploy.md), or to "
                    f"{DIRECT} if no proxy stands in front of the application."
                ),
                id="opencoop.W001",
            )
        ]
    if header != DIRECT and not header.startswith("HTTP_"):
        return [
            Warning(
                f"OPENCOOP_CLIENT_IP_HEADER is {header!r}, which is never a request header: "
                "Django names a header “X-Real-IP” HTTP_X_REAL_IP, so this setting is ignored "
                "and every visitor behind the proxy shares one address.",
                hint="Write it as Django's request.META names it, e.g. HTTP_X_REAL_IP.",
                id="opencoop.W002",
            )
        ]
    return []
