from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "opencoop.operations"
    label = "operations"
