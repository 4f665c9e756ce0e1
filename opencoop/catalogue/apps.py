from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "opencoop.catalogue"
    label = "catalogue"
