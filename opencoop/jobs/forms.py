"""The forms that start exports and re-indexing from the jobs screen."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opencoop.editorial.roles import sees_everything
from opencoop.editorial.scope import filing_organisations

from .models import Job


class ExportForm(forms.Form):
    authority = forms.ModelChoiceField(
        label=_("Reporting authority"), queryset=Job.objects.none(), empty_label=None
    )
    kind = forms.ChoiceField(
        label=_("File"),
        choices=[
            (Job.IATI_EXPORT, _("IATI activity file (XML) of every public activity")),
            (Job.CRS_EXPORT, _("OECD DAC CRS table (CSV) of one year")),
        ],
    )
    year = forms.IntegerField(
        label=_("Year (CRS only)"), min_value=1990, max_value=2100, required=False
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = filing_organisations(user)
        self.fields["year"].initial = timezone.now().year - 1

    def clean(self):
        data = super().clean()
        if data.get("kind") == Job.CRS_EXPORT and not data.get("year"):
            self.add_error("year", _("Give the year of the CRS table."))
        return data


class ReindexForm(forms.Form):
    authority = forms.ModelChoiceField(
        label=_("Reporting authority"), queryset=Job.objects.none(), required=False
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["authority"]
        field.queryset = filing_organisations(user)
        if sees_everything(user):
            field.empty_label = _("Everything (the whole search index)")
        else:
            field.required, field.empty_label = True, None
