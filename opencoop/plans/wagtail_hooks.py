"""Admin for plans."""

from wagtail.snippets.models import register_snippet

from opencoop.editorial.listing import record_filterset
from opencoop.editorial.viewsets import EditorialSnippetViewSet

from .models import AnnualPlan


class AnnualPlanViewSet(EditorialSnippetViewSet):
    model = AnnualPlan
    filterset_class = record_filterset(AnnualPlan)
    icon = "calendar"


register_snippet(AnnualPlanViewSet)
