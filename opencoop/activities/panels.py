"""Admin panels of activities: the one place that says what a sensitive activity withholds."""

from __future__ import annotations

from django import forms
from wagtail.admin.panels import Panel


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
