"""Admin of the geography app: the location picker's places, map and script."""

from django.templatetags.static import static
from django.urls import include, path
from django.utils.html import format_html
from wagtail import hooks

from . import admin_urls


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("geography/", include(admin_urls, namespace="geography_admin"))]


@hooks.register("insert_editor_js")
def location_picker_js():
    return format_html('<script src="{}" defer></script>', static("dist/admin-location-picker.js"))


@hooks.register("insert_editor_css")
def location_picker_css():
    return format_html(
        '<link rel="stylesheet" href="{}">', static("dist/admin-location-picker.css")
    )
