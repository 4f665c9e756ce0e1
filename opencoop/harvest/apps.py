from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HarvestConfig(AppConfig):
    name = "opencoop.harvest"
    verbose_name = _("Harvesting")
    default_auto_field = "django.db.models.BigAutoField"
