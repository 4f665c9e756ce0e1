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
        translate_review_comment_label()


def translate_review_comment_label() -> None:
    """Give the reviewer's comment box a label in each user's language.

    Wagtail 8 translates it with ``gettext`` when its module is imported, so every reviewer saw
    it in the portal's first language ("Commento" in an English admin).
    """
    from wagtail.forms import TaskStateCommentForm

    TaskStateCommentForm.base_fields["comment"].label = _("Comment")
