"""Health endpoint, the error handlers of the whole site, and two-factor sign-in pages."""

from __future__ import annotations

import base64
import logging
import sys

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_otp import login as otp_login
from django_otp import match_token
from wagtail.models import Site

from opencoop.core.multilingual import text
from opencoop.editorial.roles import ADMINISTRATOR, role_names

from . import twofactor
from .errors import (
    is_database_unavailable,
    page_languages,
    render_error_page,
    unavailable_response,
)
from .health import health_report

logger = logging.getLogger("opencoop.operations")


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Report whether the database and the cache answer.

    200 when the portal can answer ("ok", or "degraded" without the cache), 503 only when the
    database is down: a load balancer must not pull every server because Redis is away.
    """
    report = health_report()
    if report["down"]:
        logger.warning("Health check: %s down (%s)", ", ".join(report["down"]), report["status"])
    return JsonResponse(report, status=503 if report["status"] == "unavailable" else 200)


def not_found_context(request: HttpRequest) -> dict:
    """Return the portal's name and its search page in each language, for the 404 page.

    A missing page is the moment a visitor needs the search box. Unlike the other error pages,
    the 404 page may read the database; if it cannot, the page goes without both.
    """
    from opencoop.access import policy
    from opencoop.catalogue.models import SearchPage
    from opencoop.core.models import PortalSettings

    try:
        site = Site.objects.filter(is_default_site=True).first()
        titles = PortalSettings.for_site(site).site_title if site else {}
        pages = policy.public_pages(SearchPage.objects.select_related("locale"))
        searches = [{"lang": page.locale.language_code, "url": page.url} for page in pages]
    except DatabaseError:
        return {}
    context: dict = {"searches": [search for search in searches if search["url"]]}
    name = text(titles, page_languages(request)[0])
    if name:
        context["site_name"] = name
    return context


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Render the 404 page in the language of the URL, with the site's search box."""
    return render_error_page(request, "404.html", 404, not_found_context(request))


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """Tell a locked-out editor why sign-in is refused and for how long (django-axes)."""
    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    return render_error_page(request, "operations/lockout.html", 429, {"minutes": minutes})


def server_error(request: HttpRequest) -> HttpResponse:
    """Render the 500 page, or the 503 page when the error is the database being away.

    Django calls this inside its exception handler, so ``sys.exc_info()`` holds the error; it has
    already been logged with its traceback and the request id.
    """
    if is_database_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    return render_error_page(request, "500.html", 500)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": _("Enter the six-digit code shown by your app.")},
    )


def _next_url(request: HttpRequest) -> str:
    """Return where to go after the code, if it is an address of this site; else the admin."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("wagtailadmin_home")


@login_required(login_url="wagtailadmin_login")
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Ask a signed-in editor for the code of the authenticator app."""
    device = twofactor.confirmed_device(request.user)
    if device is None:
        return redirect("two_factor_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        matched = match_token(request.user, form.cleaned_data["token"].strip())
        if matched is not None:
            otp_login(request, matched)
            return redirect(_next_url(request))
        form.add_error("token", _("This code is not valid or has expired: enter the new one."))
    return render(
        request, "operations/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@login_required(login_url="wagtailadmin_login")
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Say whether the account has an authenticator; without one, how to get an enrolment link.

    The password alone never sets one up: an administrator issues a one-time link.
    """
    configured = twofactor.confirmed_device(request.user) is not None
    return render(request, "operations/two_factor_setup.html", {"configured": configured})


@never_cache
@login_required(login_url="wagtailadmin_login")
def two_factor_enrol(request: HttpRequest, token: str) -> HttpResponse:
    """Set up an authenticator through an enrolment link: its QR code, then a first code."""
    if twofactor.valid_link(token, request.user) is None:
        return render(
            request, "operations/two_factor_setup.html", {"invalid_link": True}, status=403
        )
    device = twofactor.pending_device(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.enrol(request, token=token, code=form.cleaned_data["token"]):
            return redirect(_next_url(request))
        form.add_error("token", _("This code does not match: check the time on your phone."))
    return render(
        request,
        "operations/two_factor_setup.html",
        {
            "enrolling": True,
            "form": form,
            "next": _next_url(request),
            "qr_code": twofactor.qr_code_data_uri(device.config_url),
            "secret": base64.b32encode(device.bin_key).decode("ascii"),
        },
    )


def is_administrator(user) -> bool:
    """Say whether ``user`` may issue enrolment links (superusers and the Administrator role)."""
    return user.is_authenticated and (user.is_superuser or ADMINISTRATOR in role_names(user))


class IssueLinkForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Account"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        error_messages={"invalid_choice": _("Choose an active account from the list.")},
    )


@never_cache
def enrolment_links(request: HttpRequest) -> HttpResponse:
    """Administrators issue enrolment links; each link is shown once, on the answer to the POST."""
    if not is_administrator(request.user):
        raise PermissionDenied
    form = IssueLinkForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        account = form.cleaned_data["user"]
        token, link = twofactor.issue_enrolment_link(account, issued_by=request.user)
        logger.info("Enrolment link issued for %s by %s", account.pk, request.user.pk)
        issued = {"user": account, "url": twofactor.enrolment_url(token), "link": link}
        form = IssueLinkForm()
    accounts = [
        {
            "user": account,
            "enrolled": account.pk in twofactor.enrolled_user_ids(),
            "pending": twofactor.pending_link(account),
        }
        for account in IssueLinkForm.base_fields["user"].queryset
    ]
    return render(
        request,
        "operations/enrolment_links.html",
        {"form": form, "issued": issued, "accounts": accounts},
    )
