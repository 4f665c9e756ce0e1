from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "opencoop.stats"
    label = "stats"
