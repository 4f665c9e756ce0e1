"""Admin pages of the operations app: two-factor sign-in and enrolment links."""

from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import views


@hooks.register("register_admin_urls")
def register_two_factor_urls():
    return [
        path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
        path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
        # Under the set-up address: the two-factor middleware lets it through before the code.
        path("two-factor/setup/link/<str:token>/", views.two_factor_enrol, name="two_factor_enrol"),
        path("two-factor/links/", views.enrolment_links, name="two_factor_links"),
    ]


class AdministratorsMenuItem(MenuItem):
    def is_shown(self, request):
        return views.is_administrator(request.user)


@hooks.register("register_settings_menu_item")
def enrolment_links_menu_item():
    return AdministratorsMenuItem(
        gettext_lazy("Enrolment links"), reverse("two_factor_links"), icon_name="key", order=900
    )


@hooks.register("register_account_menu_item")
def two_factor_account_item(request):
    return {
        "url": reverse("two_factor_setup"),
        "label": _("Two-factor sign-in"),
        "help_text": _("Set up an authenticator app that gives a code at each sign-in."),
    }
