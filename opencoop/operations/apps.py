from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "opencoop.operations"
    label = "operations"

    def ready(self) -> None:
        from .pagecache import connect_signals

        connect_signals()
