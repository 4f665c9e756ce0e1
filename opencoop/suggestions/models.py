"""Suggestions sent by visitors about the portal."""

from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_MESSAGE_LENGTH = 4000


class Suggestion(models.Model):
    message = models.TextField(_("message"), max_length=MAX_MESSAGE_LENGTH)
    email = models.EmailField(_("e-mail for a reply"), blank=True)
    page_url = models.CharField(_("page"), max_length=500, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    handled = models.BooleanField(_("handled"), default=False)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message[:60]
