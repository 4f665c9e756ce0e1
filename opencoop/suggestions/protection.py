"""Spam protection of the suggestions form, with no third-party service.

Three checks: a field hidden from people that robots fill in (the honeypot), a signed time
stamp that proves the form was loaded from the site a few seconds before it was sent, and a
limit of messages per address and hour kept in the cache.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

HONEYPOT_FIELD = "website"
TOKEN_FIELD = "form_token"
_SALT = "opencoop.suggestions.form-token"


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def issue_form_token(now: float | None = None) -> str:
    """Return a signed stamp of the moment the form was shown."""
    return signing.dumps(int(now if now is not None else time.time()), salt=_SALT)


def form_token_problem(token: str, now: float | None = None) -> str:
    """Return why a form stamp is not acceptable, or "" when it is."""
    now = now if now is not None else time.time()
    try:
        shown_at = signing.loads(token or "", salt=_SALT)
    except signing.BadSignature:
        return str(
            _("The form was not loaded from this site or has been altered: reload the page.")
        )
    elapsed = now - int(shown_at)
    if elapsed < _setting("OPENCOOP_SUGGESTIONS_MIN_SECONDS", 3):
        return str(_("The form was sent too quickly: read your message again and send it."))
    if elapsed > _setting("OPENCOOP_SUGGESTIONS_MAX_AGE", 24 * 60 * 60):
        return str(_("The form has been open too long: reload the page and send it again."))
    return ""


def is_honeypot_filled(data) -> bool:
    """Say whether the field hidden from people was filled in, as robots do."""
    return bool((data.get(HONEYPOT_FIELD) or "").strip())


def _rate_key(address: str) -> str:
    # Only a keyed hash of the address is stored, never the address itself.
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]
    return f"opencoop:suggestions:rate:{digest}"


def register_attempt(address: str) -> bool:
    """Count one submission from ``address``; say whether it is still within the limit."""
    limit = _setting("OPENCOOP_SUGGESTIONS_PER_HOUR", 5)
    key = _rate_key(address)
    if cache.add(key, 1, timeout=60 * 60):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=60 * 60)
            count = 1
    return count <= limit
