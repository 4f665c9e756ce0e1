"""Admin of the codelists: the pickers' options endpoint, script and form field override."""

from django.templatetags.static import static
from django.urls import include, path
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.forms.models import register_form_field_override

from . import admin_urls
from .fields import CodelistField
from .widgets import CodelistPicker

# Admin forms ask CodelistField for a picker (long lists) or a select showing codes (short ones).
register_form_field_override(CodelistField, override={"widget": CodelistPicker})


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("codelists/", include(admin_urls, namespace="codelists"))]


@hooks.register("insert_editor_js")
def codelist_picker_js():
    return format_html('<script src="{}" defer></script>', static("dist/admin-codelist-picker.js"))


@hooks.register("insert_editor_css")
def codelist_picker_css():
    return format_html(
        '<link rel="stylesheet" href="{}">', static("dist/admin-codelist-picker.css")
    )
