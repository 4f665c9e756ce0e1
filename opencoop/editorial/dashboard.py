"""The editors' dashboard panel on the admin home page."""

from __future__ import annotations

from wagtail.admin.ui.components import Component

from . import selectors


class EditorialStatusPanel(Component):
    """Drafts in review, texts to translate, records that would not publish, latest imports."""

    name = "editorial_status"
    template_name = "editorial/home/editorial_status.html"
    # Just after Wagtail's "awaiting your review" panels (210, 220).
    order = 230

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        user = parent_context["request"].user
        context["in_review_count"], context["in_review"] = selectors.awaiting_review(user)
        context["to_translate_count"], context["to_translate"] = selectors.needing_translation(user)
        context["failing_count"], context["failing"] = selectors.failing_checks(user)
        context["imports"] = selectors.recent_imports(user)
        return context
