"""Admin of the editorial app: memberships, the translation list, the dashboard panel and the
admin API's scoped endpoints."""

from django.templatetags.static import static
from django.urls import include, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from . import admin_urls
from .admin_api import register_scoped_endpoints
from .bulk_actions import scoped_bulk_actions
from .compact import shared_headers
from .dashboard import EditorialStatusPanel
from .models import EditorialMembership
from .roles import role_names
from .views import may_translate


class FormInAdminLanguage:
    """Build the form for each request: the choosers' texts ("Choose another organisation")
    are fixed when the form class is made, in the language of that moment."""

    def get_form_class(self):
        return self.panel.get_form_class()


class MembershipCreateView(FormInAdminLanguage, snippet_views.CreateView):
    pass


class MembershipEditView(FormInAdminLanguage, snippet_views.EditView):
    pass


class EditorialMembershipViewSet(SnippetViewSet):
    model = EditorialMembership
    add_view_class = MembershipCreateView
    edit_view_class = MembershipEditView
    icon = "group"
    menu_label = _("Who works on what")
    add_to_settings_menu = True
    list_display = ["user", "organisation", "relation"]
    list_filter = ["organisation", "relation"]


register_snippet(EditorialMembershipViewSet)


# After Wagtail's own (order 0): for each model and action, the last registered class wins.
for action_class in scoped_bulk_actions():
    hooks.register("register_bulk_action", action_class, order=100)


# After Wagtail's own (order 0): its document and image endpoints are replaced by scoped ones.
hooks.register("construct_admin_api", register_scoped_endpoints, order=100)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("editorial/", include(admin_urls, namespace="editorial"))]


class TranslationsMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return may_translate(request.user)


@hooks.register("register_admin_menu_item")
def register_translations_menu_item():
    return TranslationsMenuItem(
        _("Translations"), reverse("editorial:translations"), icon_name="globe", order=150
    )


@hooks.register("register_help_menu_item")
def register_editors_guide_menu_item():
    # First in the Help menu, before Wagtail's own (English, external) guide.
    return MenuItem(_("Editors' guide"), reverse("editorial:guide"), icon_name="help", order=900)


@hooks.register("construct_homepage_panels")
def add_editorial_status_panel(request, panels) -> None:
    if request.user.is_superuser or role_names(request.user):
        panels.append(EditorialStatusPanel())


@hooks.register("insert_editor_js")
def inline_rows_js():
    # The shared headers of sections and rows, and the empty rows of repeated parts, fetched when first added
    # (compact.py). Not deferred: each part's inline script calls it while the page is read.
    return format_html(
        '{}<script src="{}"></script>', shared_headers(), static("dist/admin-inline-rows.js")
    )
