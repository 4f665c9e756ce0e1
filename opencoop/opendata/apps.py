from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "opencoop.opendata"
    label = "opendata"
