from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "opencoop.imports"
    label = "imports"
