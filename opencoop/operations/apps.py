from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "opencoop.operations"
    label = "operations"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deployment checks)
        from .pagecache import connect_signals
        from .uploads import bound_image_decoding

        connect_signals()
        bound_image_decoding()
