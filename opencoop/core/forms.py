"""The form of a site's settings: its texts marked missing only in the languages it offers."""

from __future__ import annotations

from wagtail.admin.forms import WagtailAdminModelForm

from .multilingual import MultilingualWidget


class PortalSettingsForm(WagtailAdminModelForm):
    """Tell each multilingual input which languages the site offers (its saved settings').

    A site in Italian only has no English texts to write: its English inputs say so rather
    than "translation missing".
    """

    def __init__(self, *args, **kwargs) -> None:
        from .sites import languages_of_site

        super().__init__(*args, **kwargs)
        site = getattr(self.instance, "site", None) if self.instance.site_id else None
        offered = languages_of_site(site)
        for field in self.fields.values():
            if isinstance(field.widget, MultilingualWidget):
                field.widget.offered = offered
