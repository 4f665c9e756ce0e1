"""Admin for suggestions, and the spam checks run before the suggestions page serves a POST."""

import logging

from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from opencoop.operations.network import client_ip

from .forms import SuggestionForm
from .models import Suggestion
from .protection import is_honeypot_filled, register_attempt

logger = logging.getLogger("opencoop.suggestions")


class SuggestionViewSet(SnippetViewSet):
    model = Suggestion
    icon = "mail"


register_snippet(SuggestionViewSet)


@hooks.register("before_serve_page")
def guard_suggestions(page, request, serve_args, serve_kwargs):
    """Refuse floods and drop robots' messages before the suggestions page stores anything."""
    from opencoop.pages.models import SuggestionPage

    if request.method != "POST" or not isinstance(page, SuggestionPage):
        return None
    if not register_attempt(client_ip(request)):
        logger.warning("Suggestion refused: too many from one address")
        form = SuggestionForm(request.POST)
        form.is_valid()
        form.add_error(
            "message",
            _(
                "Many suggestions have been sent from your connection in the last hour: "
                "please try again later. Your text is still in the box below."
            ),
        )
        context = page.get_context(request)
        context.update({"form": form, "sent": False})
        return TemplateResponse(request, page.get_template(request), context, status=429)
    if is_honeypot_filled(request.POST):
        # Answer as if it worked, so that the robot learns nothing; store nothing.
        logger.info("Suggestion dropped: the hidden field was filled in")
        return redirect(page.url + "?sent=1")
    return None
