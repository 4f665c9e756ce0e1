"""Spam protection of the suggestions form, with no third-party service.

Four checks: the browser says the form was sent from a page of this site (its Origin header, or
its Referer when it sends no Origin), a field hidden from people that robots fill in (the
honeypot), a signed time stamp that proves the form was loaded from the site a few seconds before
it was sent, and a limit of messages per address and hour kept in the cache. They replace
Django's CSRF token, whose cookie anonymous visitors must not get.

Each stamp carries a random nonce and is accepted once: its hash is written to the database
(``UsedFormToken``) when the message is accepted, so a replayed form is refused. The database,
not the cache, because the cache may be down or emptied, and a stamp must not become reusable
then; the rows live only as long as a stamp is valid.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

HONEYPOT_FIELD = "website"
TOKEN_FIELD = "form_token"
_SALT = "opencoop.suggestions.form-token"


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def issue_form_token(now: float | None = None) -> str:
    """Return a signed stamp of the moment the form was shown, unique to this showing."""
    shown_at = int(now if now is not None else time.time())
    return signing.dumps([shown_at, secrets.token_urlsafe(12)], salt=_SALT)


def _shown_at(token: str) -> int | None:
    """Return when the form of ``token`` was shown, or None if the stamp is not ours."""
    try:
        payload = signing.loads(token or "", salt=_SALT)
    except signing.BadSignature:
        return None
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int)):
        return None  # a stamp without a nonce could be shared by several showings
    return payload[0]


def _token_digest(token: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:form-token:{token}".encode()).hexdigest()


def _used(token: str) -> bool:
    from .models import UsedFormToken

    return UsedFormToken.objects.filter(digest=_token_digest(token)).exists()


def form_token_problem(token: str, now: float | None = None) -> str:
    """Return why a form stamp is not acceptable, or "" when it is."""
    now = now if now is not None else time.time()
    shown_at = _shown_at(token)
    if shown_at is None:
        return str(
            _("The form was not loaded from this site or has been altered: reload the page.")
        )
    elapsed = now - shown_at
    if elapsed < _setting("OPENCOOP_SUGGESTIONS_MIN_SECONDS", 3):
        return str(_("The form was sent too quickly: read your message again and send it."))
    if elapsed > _setting("OPENCOOP_SUGGESTIONS_MAX_AGE", 24 * 60 * 60):
        return str(_("The form has been open too long: reload the page and send it again."))
    if _used(token):
        return str(REUSED_MESSAGE)
    return ""


REUSED_MESSAGE = _(
    "This form has already been sent once, so it was not sent again: to send another "
    "suggestion, reload the page and write it in the new form."
)


def claim_form_token(token: str, now: float | None = None) -> bool:
    """Mark a valid stamp as used; say whether this call was the first to use it.

    The insert is what decides, so two submissions of one stamp at the same moment cannot both
    pass. Expired stamps are pruned here: they would be refused for their age anyway.
    """
    from .models import UsedFormToken

    now = now if now is not None else time.time()
    shown_at = _shown_at(token)
    if shown_at is None:
        return False
    max_age = _setting("OPENCOOP_SUGGESTIONS_MAX_AGE", 24 * 60 * 60)
    expires_at = datetime.datetime.fromtimestamp(shown_at + max_age + 60, tz=datetime.UTC)
    current = datetime.datetime.fromtimestamp(now, tz=datetime.UTC)
    UsedFormToken.objects.filter(expires_at__lt=current).delete()
    try:
        with transaction.atomic():
            UsedFormToken.objects.create(digest=_token_digest(token), expires_at=expires_at)
    except IntegrityError:
        return False
    return True


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}".lower()


def cross_origin_problem(request: HttpRequest) -> str:
    """Return why a POST does not come from a page of this site, or "" when it does.

    Browsers send the Origin header with every form POST; a few privacy settings drop it but keep
    the Referer, which is then read instead. A POST with neither is refused: a browser always sends
    one of them, so only a forged request lacks both.
    """
    site = f"{request.scheme}://{request.get_host()}".lower()
    trusted = {site, *(origin.lower() for origin in settings.CSRF_TRUSTED_ORIGINS)}
    origin = request.META.get("HTTP_ORIGIN")
    if origin is not None:
        sender = _origin_of(origin)
    else:
        sender = _origin_of(request.META.get("HTTP_REFERER", ""))
        if not sender:
            return str(
                _(
                    "The browser did not say which site the form was sent from, so it was "
                    "refused: open the suggestions page of %(site)s and send it from there."
                )
                % {"site": site}
            )
    if sender in trusted:
        return ""
    return str(
        _(
            "The form was sent from another site (%(sender)s), so it was refused: open the "
            "suggestions page of %(site)s and send it from there."
        )
        % {"sender": sender or origin, "site": site}
    )


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
