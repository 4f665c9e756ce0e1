"""The admin's groups and users screens with the editorial roles named in the user's language.

The roles' groups keep their English names, which the code asks for (``roles.ROLES``); the
screens that list groups (Settings › Groups, a user's roles) show them translated.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import TitleColumn
from wagtail.users import forms as user_forms
from wagtail.users.views import groups as group_views
from wagtail.users.views import users as user_views

from .roles import role_label


def group_label(group: Group) -> str:
    """Return a group's name, translated if it is one of the editorial roles."""
    return str(role_label(group.name))


class _TranslatedGroups:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("groups")
        if field is not None:
            field.label_from_instance = group_label


class UserCreationForm(_TranslatedGroups, user_forms.UserCreationForm):
    class Meta(user_forms.UserCreationForm.Meta):
        pass


class UserEditForm(_TranslatedGroups, user_forms.UserEditForm):
    class Meta(user_forms.UserEditForm.Meta):
        pass


class UserViewSet(user_views.UserViewSet):
    def get_form_class(self, for_update=False):
        return UserEditForm if for_update else UserCreationForm


class GroupIndexView(group_views.IndexView):
    columns = [
        TitleColumn(
            "name",
            accessor=group_label,
            label=_("Name"),
            sort_key="name",
            url_name="wagtailusers_groups:edit",
        ),
    ]


class GroupViewSet(group_views.GroupViewSet):
    index_view_class = GroupIndexView
