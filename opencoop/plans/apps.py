from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "opencoop.plans"
    label = "plans"
