"""Admin for plans."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import AnnualPlan


class AnnualPlanViewSet(SnippetViewSet):
    model = AnnualPlan
    icon = "calendar"


register_snippet(AnnualPlanViewSet)
