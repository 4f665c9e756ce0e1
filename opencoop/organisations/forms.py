"""The admin forms of organisations: the full form, and the short one of the chooser's "Create".

Only administrators say who is a reporting authority; the slug is made from the name when left
empty; an identifier with a registration agency's prefix must carry a number after it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from opencoop.access.policy import may_set_reporting_flag

from .identifiers import validate_organisation_identifier
from .models import Organisation
from .services import unique_slug

REPORTING_FIELD = "is_reporting"


IDENTIFIER_HELP = _(
    "Optional. The registration agency's code, a hyphen and the organisation's number in that "
    "register, e.g. IT-CF-01307110484 (Italian tax code); no spaces."
)


class OrganisationFieldsMixin:
    """Make the slug optional (made from the name) and check the identifier's shape."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        slug = self.fields.get("slug")
        if slug is not None:
            slug.required = False
            slug.help_text = _("Part of the address. Leave it empty to make it from the name.")
        identifier = self.fields.get("identifier")
        if identifier is not None:
            identifier.help_text = IDENTIFIER_HELP

    def clean_identifier(self) -> str:
        value = (self.cleaned_data.get("identifier") or "").strip()
        if value:
            validate_organisation_identifier(value)
        return value

    def clean(self):
        cleaned_data = super().clean()
        # Filled here, before the model's own checks, which refuse an empty slug.
        if "slug" in self.fields and not cleaned_data.get("slug"):
            self.instance.name = cleaned_data.get("name") or self.instance.name
            self.instance.identifier = cleaned_data.get("identifier") or ""
            cleaned_data["slug"] = unique_slug(self.instance)
        return cleaned_data


class OrganisationCreationForm(OrganisationFieldsMixin, WagtailAdminModelForm):
    """The chooser's "Create" tab: a partner organisation with what identifies it."""

    class Meta:
        model = Organisation
        fields = ["name", "identifier", "type", "country", "website"]

    def save(self, commit: bool = True):
        organisation = super().save(commit=False)
        organisation.slug = unique_slug(organisation)
        if commit:
            organisation.save()
        return organisation


class OrganisationForm(OrganisationFieldsMixin, WagtailAdminModelForm):
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
