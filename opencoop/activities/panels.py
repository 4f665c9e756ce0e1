"""Admin panels of activities that are more than a field: the location picker, and the one place
that says what a sensitive activity withholds."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from wagtail.admin.panels import Panel


class LocationPickerPanel(Panel):
    """Set a location's latitude and longitude from a place name or a click on the map.

    The place names are the gazetteer of the partner countries and the map the portal's own
    outlines (both served by the geography app's admin views, loaded when first used); the
    coordinates stay in the row's own latitude and longitude fields, which can be typed too.
    """

    class BoundPanel(Panel.BoundPanel):
        template_name = "activities/panels/location_picker.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context.update(
                {
                    "prefix": self.form.prefix,
                    "places_url": reverse("geography_admin:places"),
                    "map_url": reverse("geography_admin:picker-map"),
                }
            )
            return context


class SensitivePanel(Panel):
    """Say, before saving, what the activity's switches keep from each public outlet.

    The switches sit on two tabs (exact places and embargo here, a partner's hidden name on its
    row under Partners); this panel names their effect in one place, from the disclosure rules,
    and a small script keeps it in step with the form while the editor changes them.
    """

    class BoundPanel(Panel.BoundPanel):
        template_name = "activities/panels/sensitive.html"

        def get_context_data(self, parent_context=None):
            from opencoop.access.policy import PUBLIC_OUTLETS

            from .disclosure import withholdings  # disclosure imports the models: asked late

            context = super().get_context_data(parent_context)
            context["items"] = withholdings(self.instance)
            context["outlets"] = [str(label) for _key, label in PUBLIC_OUTLETS]
            return context

        @property
        def media(self) -> forms.Media:
            return forms.Media(js=["activities/sensitive-panel.js"])
