"""Two-factor sign-in with time-based codes (TOTP, django-otp), for every staff request.

An account that has set up an authenticator app is asked for its code after the password; with
``OPENCOOP_2FA_REQUIRED`` (on in production) every account must have one. Until the code is
given, the session is *anonymous everywhere* outside the sign-in steps: documents restricted to
signed-in users, the editorial pages, the API; the admin sends it to the code step.

An authenticator is set up only through a one-time, expiring enrolment link that an
administrator issues (``manage.py enrolment_link`` or the admin's "Enrolment links" page),
never with the password alone: otherwise whoever holds the password of an account without one
could attach their own phone to it. Only a SHA-256 hash of the link's token is stored.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import EnrolmentLink

DEVICE_NAME = "authenticator"


def confirmed_device(user: AbstractBaseUser) -> TOTPDevice | None:
    """Return the user's confirmed authenticator, if any."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


ENROLMENT_LINK_LIFETIME = timedelta(hours=24)
MAX_ENROLMENT_LINK_LIFETIME = timedelta(days=7)


def needs_second_factor(user: AbstractBaseUser) -> bool:
    """Say whether ``user`` must give a code before the session counts as signed in."""
    return settings.OPENCOOP_2FA_REQUIRED or confirmed_device(user) is not None


def pending_device(*, user: AbstractBaseUser) -> TOTPDevice:
    """Return the authenticator being set up for ``user``, creating it the first time."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_enrolment_link(
    user: AbstractBaseUser,
    *,
    issued_by: AbstractBaseUser | None = None,
    lifetime: timedelta = ENROLMENT_LINK_LIFETIME,
) -> tuple[str, EnrolmentLink]:
    """Issue a one-time link for ``user``; return its token (shown once, never stored).

    Earlier unused links of ``user`` stop working, and a half set-up authenticator is dropped:
    its key may have been shown to someone who had only the password.
    """
    if not timedelta(0) < lifetime <= MAX_ENROLMENT_LINK_LIFETIME:
        raise ValueError(
            f"An enrolment link lives between a minute and {MAX_ENROLMENT_LINK_LIFETIME.days} "
            f"days, not {lifetime}."
        )
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        EnrolmentLink.objects.filter(user=user, used_at__isnull=True).delete()
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        link = EnrolmentLink.objects.create(
            user=user,
            token_hash=hash_token(token),
            expires_at=timezone.now() + lifetime,
            issued_by=issued_by,
        )
    return token, link


def enrolment_path(token: str) -> str:
    return reverse("two_factor_enrol", args=[token])


def enrolment_url(token: str) -> str:
    """Return the link's full address on the admin's site (``WAGTAILADMIN_BASE_URL``)."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + enrolment_path(token)


def valid_link(token: str, user: AbstractBaseUser) -> EnrolmentLink | None:
    """Return the link of ``token`` if it is ``user``'s, unused and not expired."""
    return EnrolmentLink.objects.filter(
        token_hash=hash_token(token),
        user=user,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).first()


def enrolled_user_ids() -> set[int]:
    return set(
        TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True).distinct()
    )


def pending_link(user: AbstractBaseUser) -> EnrolmentLink | None:
    """Return ``user``'s unused, unexpired link, if any (its token is not known any more)."""
    return EnrolmentLink.objects.filter(
        user=user, used_at__isnull=True, expires_at__gt=timezone.now()
    ).first()


def enrol(request: HttpRequest, *, token: str, code: str) -> bool:
    """Confirm the account's new authenticator with ``code`` through the link of ``token``.

    The link is used up and the account's earlier authenticators removed (a lost phone stops
    working); the session is then verified. Say whether it worked.
    """
    user = request.user
    with transaction.atomic():
        # Locked: two requests with the same link cannot both use it.
        link = (
            EnrolmentLink.objects.select_for_update()
            .filter(
                token_hash=hash_token(token),
                user=user,
                used_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
            .first()
        )
        if link is None:
            return False
        device = pending_device(user=user)
        if not device.verify_token(code.strip().replace(" ", "")):
            return False
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
    otp_login(request, device)
    return True


def qr_code_data_uri(text: str) -> str:
    """Return ``text`` as a QR code in an SVG ``data:`` URI (allowed by the admin's CSP)."""
    buffer = BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


class TwoFactorMiddleware:
    """Treat a session signed in with the password only as anonymous until the code is given.

    In the admin the editor is sent to the code step (or told how to set one up); elsewhere
    (documents, previews outside the admin, editorial pages, the API) the request goes on as an
    anonymous visitor's. The sign-in steps themselves keep the real user. It runs after
    django-otp's middleware, which tells whether the session is verified.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        # No session cookie, no user: anonymous visitors cost nothing here.
        if settings.SESSION_COOKIE_NAME in request.COOKIES and self._unverified(request):
            path = request.path
            if self._exempt(path):
                pass
            elif path.startswith("/admin/"):
                return self._to_second_step(request, request.get_full_path())
            elif self._is_front_end_login(path):
                # A restricted document or page sends here: the code step, then back to it.
                return self._to_second_step(request, request.GET.get("next", ""))
            else:
                request.user = AnonymousUser()
                request.auser = _anonymous
        return self.get_response(request)

    @staticmethod
    def _unverified(request: HttpRequest) -> bool:
        user = request.user
        return user.is_authenticated and not user.is_verified() and needs_second_factor(user)

    @staticmethod
    def _to_second_step(request: HttpRequest, next_url: str) -> HttpResponseRedirect:
        if confirmed_device(request.user) is not None:
            step = reverse("two_factor_verify")
        else:
            step = reverse("two_factor_setup")
        return HttpResponseRedirect(f"{step}?{urlencode({'next': next_url})}" if next_url else step)

    @staticmethod
    def _exempt(path: str) -> bool:
        # The icons and the script translations hold no data; the code page itself loads them,
        # and a redirect would put the code page inside it (and send the editor to the icons).
        return path in {
            reverse("wagtailadmin_login"),
            reverse("wagtailadmin_logout"),
            reverse("two_factor_verify"),
            reverse("two_factor_setup"),
            reverse("wagtailadmin_sprite"),
            reverse("wagtailadmin_javascript_catalog"),
        } or path.startswith(reverse("two_factor_setup") + "link/")

    @staticmethod
    def _is_front_end_login(path: str) -> bool:
        try:
            return resolve(path).url_name == "wagtailcore_login"
        except Resolver404:
            return False


async def _anonymous() -> AnonymousUser:
    return AnonymousUser()
