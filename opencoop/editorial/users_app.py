"""Wagtail's users app, with the groups and users screens of ``opencoop.editorial.groups``."""

from wagtail.users.apps import WagtailUsersAppConfig


class UsersAppConfig(WagtailUsersAppConfig):
    group_viewset = "opencoop.editorial.groups.GroupViewSet"
    user_viewset = "opencoop.editorial.groups.UserViewSet"
