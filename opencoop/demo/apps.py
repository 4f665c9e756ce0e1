from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "opencoop.demo"
    label = "demo"
