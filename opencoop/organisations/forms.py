"""The admin form of organisations: only administrators say who is a reporting authority."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from opencoop.access.policy import may_set_reporting_flag

REPORTING_FIELD = "is_reporting"


class OrganisationForm(WagtailAdminModelForm):
    """Disable "reporting authority" for users who may not set it, and refuse a posted change.

    A disabled field is already ignored by Django; the explicit error says why, instead of
    silently keeping the old value, when a crafted request tries anyway.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get(REPORTING_FIELD)
        if field is not None and not may_set_reporting_flag(self.for_user):
            field.disabled = True
            field.help_text = _(
                "Only administrators may change whether this is a reporting authority."
            )

    def clean(self):
        cleaned_data = super().clean()
        field = self.fields.get(REPORTING_FIELD)
        if field is not None and field.disabled and self.is_bound:
            posted = field.widget.value_from_datadict(
                self.data, self.files, self.add_prefix(REPORTING_FIELD)
            )
            if bool(posted) != bool(self.get_initial_for_field(field, REPORTING_FIELD)):
                self.add_error(
                    REPORTING_FIELD,
                    _(
                        "reporting authority: only administrators may change whether an "
                        "organisation is a reporting authority."
                    ),
                )
        return cleaned_data
