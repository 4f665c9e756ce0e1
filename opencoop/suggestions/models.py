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


class UsedFormToken(models.Model):
    """A suggestions-form stamp already sent once: a replay of it is refused.

    Only a keyed hash of the stamp is kept, until the stamp would be too old to be accepted
    anyway; expired rows are deleted whenever a stamp is used.
    """

    digest = models.CharField(max_length=64, primary_key=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("used form stamp")
        verbose_name_plural = _("used form stamps")

    def __str__(self) -> str:
        return self.digest[:12]
