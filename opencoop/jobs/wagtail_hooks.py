"""Admin menu and addresses of background jobs."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import urls


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("jobs/", include(urls, namespace="jobs"))]


@hooks.register("register_admin_menu_item")
def register_jobs_menu_item():
    return MenuItem(_("Jobs"), reverse("jobs:index"), icon_name="time", order=175)
