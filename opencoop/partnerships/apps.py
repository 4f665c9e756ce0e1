from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "opencoop.partnerships"
    label = "partnerships"
