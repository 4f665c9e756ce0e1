"""Two-factor sign-in for the admin with time-based codes (TOTP, django-otp).

An editor who has set up an authenticator app is asked for its code after the password; with
``OPENCOOP_2FA_REQUIRED`` every editor must set one up before using the admin.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "authenticator"


def confirmed_device(user: AbstractBaseUser) -> TOTPDevice | None:
    """Return the user's confirmed authenticator, if any."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def pending_device(*, user: AbstractBaseUser) -> TOTPDevice:
    """Return the authenticator being set up for ``user``, creating it the first time."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def confirm_device(*, device: TOTPDevice, token: str) -> bool:
    """Confirm ``device`` when ``token`` is the code it shows now; say whether it was."""
    if not device.verify_token(token.strip().replace(" ", "")):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


def qr_code_data_uri(text: str) -> str:
    """Return ``text`` as a QR code in an SVG ``data:`` URI (allowed by the admin's CSP)."""
    buffer = BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


class TwoFactorMiddleware:
    """Send an editor who signed in with a password only to the code (or set-up) page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path.startswith("/admin/") and not self._exempt(request.path):
            redirect_to = self._redirect_for(request)
            if redirect_to:
                return HttpResponseRedirect(
                    f"{redirect_to}?{urlencode({'next': request.get_full_path()})}"
                )
        return self.get_response(request)

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
        }

    @staticmethod
    def _redirect_for(request: HttpRequest) -> str:
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return ""
        if confirmed_device(user) is not None:
            return reverse("two_factor_verify")
        if settings.OPENCOOP_2FA_REQUIRED:
            return reverse("two_factor_setup")
        return ""
