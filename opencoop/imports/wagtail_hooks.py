"""Admin menu and addresses of spreadsheet imports."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_urls
from .views import may_import


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("imports/", include(admin_urls, namespace="imports"))]


class ImportsMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return may_import(request.user)


@hooks.register("register_admin_menu_item")
def register_imports_menu_item():
    return ImportsMenuItem(
        _("Spreadsheet import"), reverse("imports:index"), icon_name="doc-full-inverse", order=160
    )
