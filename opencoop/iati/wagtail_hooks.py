"""Back-office hooks of the IATI app: the import screen and its menu item."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views


class IatiImportMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return admin_views.may_import(request.user)


@hooks.register("register_admin_urls")
def register_iati_import_urls():
    return [
        path("iati-import/", admin_views.iati_import, name="iati_import"),
        path(
            "iati-import/report/<str:token>/",
            admin_views.iati_import_report,
            name="iati_import_report",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_iati_import_menu_item():
    return IatiImportMenuItem(
        _("IATI import"), reverse("iati_import"), icon_name="upload", order=170
    )
