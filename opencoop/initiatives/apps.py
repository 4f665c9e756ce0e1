from django.apps import AppConfig


class InitiativesConfig(AppConfig):
    name = "opencoop.initiatives"
    label = "initiatives"
