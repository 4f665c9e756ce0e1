from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "opencoop.access"
    label = "access"
    verbose_name = "Access policy"
