"""Admin forms of pages."""

from __future__ import annotations

from wagtail.admin.forms import WagtailAdminPageForm


class SectionPageForm(WagtailAdminPageForm):
    """Offer only the authorities the user files for as a section's reporting organisation.

    A section's authority decides who may edit the pages under it
    (``opencoop.editorial.permissions.ScopedPagePermissionPolicy``): a choice limited to the
    user's own authorities keeps an editor from handing a section, or claiming one, across.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("reporting_org")
        if field is not None and self.for_user is not None:
            from opencoop.editorial.scope import filing_organisations

            field.queryset = filing_organisations(self.for_user)
