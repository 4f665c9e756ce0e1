"""Django application configuration of the IATI codelists."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CodelistsConfig(AppConfig):
    """Configure the codelists app (no database models)."""

    name = "opencoop.codelists"
    label = "codelists"
    verbose_name = _("IATI codelists")
