"""Forms of the back office: a partner's text proposal, translation files, image descriptions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from opencoop.codelists import registry
from opencoop.core.multilingual import portal_languages

PROPOSAL_LANGUAGE = "proposal_language"
PROPOSAL_SUFFIX = "_proposal"


def proposal_field_name(field: str) -> str:
    return f"{field}{PROPOSAL_SUFFIX}"


class PartnerTextsFormBase(WagtailAdminModelForm):
    """Let a partner's contact write the texts in a language other than the portal's too.

    The portal's languages have their own inputs; one more language (French in Fès, Arabic in
    Bethlehem…) is chosen in ``proposal_language`` and written in the ``*_proposal`` inputs.
    """

    text_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[PROPOSAL_LANGUAGE].choices = [("", "---------")] + [
            (code, label)
            for code, label in registry.get("Language").choices()
            if code not in portal_languages()
        ]
        language = self._existing_language()
        if language and not self.is_bound:
            self.initial[PROPOSAL_LANGUAGE] = language
            for field in self.text_fields:
                value = getattr(self.instance, field, None) or {}
                self.initial[proposal_field_name(field)] = value.get(language, "")

    def _existing_language(self) -> str:
        for field in self.text_fields:
            for code, text in (getattr(self.instance, field, None) or {}).items():
                if code not in portal_languages() and text:
                    return code
        return ""

    def clean(self):
        cleaned = super().clean()
        language = cleaned.get(PROPOSAL_LANGUAGE, "")
        texts = {f: (cleaned.get(proposal_field_name(f)) or "").strip() for f in self.text_fields}
        if any(texts.values()) and not language:
            self.add_error(
                PROPOSAL_LANGUAGE, _("Language of your texts: choose the language you wrote in.")
            )
            return cleaned
        if language:
            for field, text in texts.items():
                value = dict(cleaned.get(field) or {})
                if text:
                    value[language] = text
                else:
                    value.pop(language, None)
                cleaned[field] = value
        return cleaned


def partner_form_class(model, text_fields: list[str]) -> type[PartnerTextsFormBase]:
    """Build the base form of a partner's proposal for ``model``'s ``text_fields``."""
    attrs: dict = {
        "text_fields": tuple(text_fields),
        PROPOSAL_LANGUAGE: forms.ChoiceField(
            label=_("Language of your texts"),
            required=False,
            help_text=_("If you also write in a language other than Italian and English."),
        ),
    }
    for field in text_fields:
        verbose = model._meta.get_field(field).verbose_name
        attrs[proposal_field_name(field)] = forms.CharField(
            label=_("%(field)s in your language") % {"field": verbose},
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
    return type(f"{model.__name__}PartnerTextsForm", (PartnerTextsFormBase,), attrs)


class TranslationFileForm(forms.Form):
    """Upload a PO file of translations made outside the portal."""

    file = forms.FileField(
        label=_("PO file"),
        help_text=_("The file exported from this page, with the translations filled in."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".po"):
            raise forms.ValidationError(
                _("%(name)s: choose a .po file exported from this page.") % {"name": upload.name}
            )
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


class RequiredAltTextMixin:
    """Require an image's description: it is the alternative text read to people who cannot see.

    Mixed into the image form named by ``WAGTAILIMAGES_IMAGE_FORM_BASE``
    (``opencoop.operations.uploads.ImageForm``).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        description = self.fields.get("description")
        if description is not None:
            description.required = True
            description.label = _("Alternative text (description)")
            description.help_text = _(
                "Required. Say what the image shows for people who cannot see it, "
                "e.g. “Women of the cooperative at the new well in Niamey”."
            )
