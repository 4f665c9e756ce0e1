"""Admin pages of the operations app: two-factor sign-in."""

from django.urls import path, reverse
from django.utils.translation import gettext as _
from wagtail import hooks

from . import views


@hooks.register("register_admin_urls")
def register_two_factor_urls():
    return [
        path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
        path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    ]


@hooks.register("register_account_menu_item")
def two_factor_account_item(request):
    return {
        "url": reverse("two_factor_setup"),
        "label": _("Two-factor sign-in"),
        "help_text": _("Set up an authenticator app that gives a code at each sign-in."),
    }
