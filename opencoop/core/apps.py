from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "opencoop.core"
    label = "core"
