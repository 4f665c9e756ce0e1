from django.apps import AppConfig


class ExchangesConfig(AppConfig):
    name = "opencoop.exchanges"
    label = "exchanges"
