"""The admin form of organisations: only administrators say who is a reporting authority."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from opencoop.access.policy import may_set_reporting_flag

REPORTING_FIELD = "is_reporting"


class OrganisationForm(WagtailAdminModelForm):
    """Disable "reporting authority" for users who may not set it, and refuse a posted change.

    Django keeps the stored value of a disabled field whatever is posted, so neither ticking nor
    unticking it takes effect; a crafted request that ticks it is also told why, by name.
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
            # Browsers do not send a disabled field, and an unticked box is not sent either: only
            # a ticked box that was not ticked can be told apart from the form as shown.
            posted = field.widget.value_from_datadict(
                self.data, self.files, self.add_prefix(REPORTING_FIELD)
            )
            if posted and not self.get_initial_for_field(field, REPORTING_FIELD):
                self.add_error(
                    REPORTING_FIELD,
                    _(
                        "reporting authority: only administrators may make an organisation "
                        "a reporting authority."
                    ),
                )
        return cleaned_data
