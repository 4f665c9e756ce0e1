from django.apps import AppConfig


class IatiConfig(AppConfig):
    name = "opencoop.iati"
    label = "iati"
