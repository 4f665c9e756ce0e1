"""The upload form of a spreadsheet import."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from wagtail.permissions import policy_registry

from opencoop.activities.models import Activity
from opencoop.editorial.scope import filing_organisations
from opencoop.operations.uploads import check_upload_size, upload_limit_attrs

from .models import ImportRun


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that accepts several files (the CSV files of one import)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".xlsx,.csv"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class UploadForm(forms.Form):
    reporting_org = forms.ModelChoiceField(
        label=_("Reporting authority"), queryset=ImportRun.objects.none(), empty_label=None
    )
    files = MultipleFileField(label=_("Spreadsheet"))
    outcome = forms.ChoiceField(label=_("What to do with the activities"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reporting_org"].queryset = filing_organisations(user)
        may_publish = policy_registry.get_by_type(Activity).user_has_permission(user, "publish")
        self.fields["outcome"].choices = [
            (value, label)
            for value, label in ImportRun.OUTCOMES
            if value != ImportRun.PUBLISH or may_publish
        ]
        self.fields["outcome"].initial = ImportRun.REVIEW
        files = self.fields["files"]
        files.help_text = _(
            "The filled-in XLSX template, or CSV files named activities.csv, budgets.csv, "
            "transactions.csv (%(limit)d MB at most in all)."
        ) % {"limit": settings.OPENCOOP_MAX_UPLOAD_MB}
        files.widget.attrs.update(upload_limit_attrs())

    def clean_files(self):
        files = self.cleaned_data["files"]
        check_upload_size(files)
        for upload in files:
            if not upload.name.lower().endswith((".xlsx", ".csv")):
                raise forms.ValidationError(
                    _("%(name)s: upload an .xlsx workbook or .csv files.") % {"name": upload.name}
                )
        return files
