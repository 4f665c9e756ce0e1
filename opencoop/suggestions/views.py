"""The suggestions form's POST: checked without a CSRF cookie, then handed to the page."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from opencoop.operations.network import client_ip

from .forms import SuggestionForm
from .protection import cross_origin_problem, is_honeypot_filled, register_attempt

logger = logging.getLogger("opencoop.suggestions")


def render_refusal(page, request: HttpRequest, message: str, status: int) -> TemplateResponse:
    """Show the page again, the visitor's text kept, with ``message`` in its error summary."""
    # The stamp is not used up: the form was not accepted, the visitor may send it again.
    form = SuggestionForm(request.POST, claim_token=False)
    form.is_valid()
    # On the message, so that the page's error summary lists it beside its field.
    form.add_error("message", message)
    context = page.get_context(request)
    context.update({"form": form, "sent": False})
    return TemplateResponse(request, page.get_template(request), context, status=status)


def refuse_flood_or_robot(page, request: HttpRequest) -> HttpResponse | None:
    """Refuse floods and drop robots' messages before anything is stored; None lets it through."""
    if not register_attempt(client_ip(request)):
        logger.warning("Suggestion refused: too many from one address")
        return render_refusal(
            page,
            request,
            _(
                "Many suggestions have been sent from your connection in the last hour: "
                "please try again later. Your text is still in the box below."
            ),
            429,
        )
    if is_honeypot_filled(request.POST):
        # Answer as if it worked, so that the robot learns nothing; store nothing.
        logger.info("Suggestion dropped: the hidden field was filled in")
        return redirect(page.url + "?sent=1")
    return None


@csrf_exempt  # no CSRF cookie for anonymous visitors: the origin check below stands in for it
@require_POST
def send(request: HttpRequest, page_id: int) -> HttpResponse:
    """Check where the form was sent from and the spam traps, then let the page store it."""
    from opencoop.access import policy
    from opencoop.pages.models import SuggestionPage

    page = get_object_or_404(policy.public_pages(SuggestionPage.objects.all()), pk=page_id)
    language = page.locale.language_code
    with translation.override(language):
        request.LANGUAGE_CODE = language
        problem = cross_origin_problem(request)
        if problem:
            logger.warning("Suggestion refused: sent from another site")
            response = render_refusal(page, request, problem, 403)
        else:
            response = refuse_flood_or_robot(page, request) or page.serve(request)
        if isinstance(response, TemplateResponse):
            response.render()  # in the page's language, not the one of the request's headers
    response.headers["Content-Language"] = language
    return response
