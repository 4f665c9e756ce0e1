"""Admin panels of an activity's parts that are more than a field."""

from __future__ import annotations

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
