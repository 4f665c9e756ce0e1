from django.apps import AppConfig


class AtlasConfig(AppConfig):
    name = "opencoop.atlas"
    label = "atlas"
