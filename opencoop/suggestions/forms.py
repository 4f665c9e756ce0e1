"""The public suggestions form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MAX_MESSAGE_LENGTH
from .protection import (
    HONEYPOT_FIELD,
    REUSED_MESSAGE,
    TOKEN_FIELD,
    claim_form_token,
    form_token_problem,
    issue_form_token,
)


class PageUrlWithTrapInput(forms.HiddenInput):
    """Render the page address together with the spam trap: a fresh stamp and the honeypot.

    The page template renders ``form.page_url`` among the hidden fields, so the trap travels
    with it and no template has to know about it.
    """

    template_name = "suggestions/widgets/page_url.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["trap"] = {
            "token_field": TOKEN_FIELD,
            "token": issue_form_token(),
            "honeypot": HONEYPOT_FIELD,
        }
        return context


class SuggestionForm(forms.Form):
    message = forms.CharField(
        label=_("Your suggestion"),
        widget=forms.Textarea(attrs={"rows": 6, "class": "form-control"}),
        max_length=MAX_MESSAGE_LENGTH,
        error_messages={
            "required": _("Write your suggestion: the message is empty."),
            "max_length": _(
                "The message is too long: at most %(limit_value)d characters, "
                "this one has %(show_value)d."
            ),
        },
    )
    email = forms.EmailField(
        label=_("Your e-mail (optional, if you want a reply)"),
        required=False,
        widget=forms.EmailInput(attrs={"class": "form-control", "autocomplete": "email"}),
        error_messages={"invalid": _("The e-mail address is not valid.")},
    )
    page_url = forms.CharField(widget=PageUrlWithTrapInput, required=False, max_length=500)

    def __init__(self, *args, claim_token: bool = True, **kwargs) -> None:
        """``claim_token=False`` checks the stamp without using it up (for a refusal's page)."""
        super().__init__(*args, **kwargs)
        self.claim_token = claim_token

    def clean_message(self) -> str:
        message = self.cleaned_data["message"].strip()
        if not message:
            raise forms.ValidationError(_("Write your suggestion: the message is empty."))
        return message

    def clean(self):
        cleaned = super().clean()
        token = self.data.get(TOKEN_FIELD, "")
        problem = form_token_problem(token)
        if not problem and self.claim_token and not self.errors and not claim_form_token(token):
            # Sent twice at the same moment: the other submission used the stamp first.
            problem = str(REUSED_MESSAGE)
        if problem:
            # On the message, so that the page's error summary lists it beside its field.
            self.add_error("message", problem)
        return cleaned
