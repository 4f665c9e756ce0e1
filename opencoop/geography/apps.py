from django.apps import AppConfig


class GeographyConfig(AppConfig):
    name = "opencoop.geography"
    label = "geography"
