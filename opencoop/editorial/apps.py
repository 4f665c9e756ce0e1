from django.apps import AppConfig


class EditorialConfig(AppConfig):
    name = "opencoop.editorial"
    label = "editorial"
