from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "opencoop.organisations"
    label = "organisations"
