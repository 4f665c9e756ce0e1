from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EditorialConfig(AppConfig):
    name = "opencoop.editorial"
    label = "editorial"
    verbose_name = _("Editorial work")

    def ready(self) -> None:
        from . import signals
        from .permissions import register_policies

        # Before any viewset asks for a policy (Wagtail would create a fallback one).
        register_policies()
        signals.connect()
