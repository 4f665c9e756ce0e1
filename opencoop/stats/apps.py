from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "opencoop.stats"
    label = "stats"

    def ready(self) -> None:
        from .signals import connect_signals

        connect_signals()
