"""The public suggestions form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MAX_MESSAGE_LENGTH


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
    page_url = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500)

    def clean_message(self) -> str:
        message = self.cleaned_data["message"].strip()
        if not message:
            raise forms.ValidationError(_("Write your suggestion: the message is empty."))
        return message
