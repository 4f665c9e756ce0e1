"""Open data addresses (IATI files, downloads, API)."""

from django.urls import path

from . import views

app_name = "opendata"

urlpatterns = [
    # Before the organisation patterns, so that "activity" is never read as an identifier.
    path("iati/activity/<path:identifier>.xml", views.iati_activity, name="iati-activity"),
    path("iati/<str:identifier>/activities.xml", views.iati_activities, name="iati-activities"),
    path(
        "iati/<str:identifier>/organisation.xml", views.iati_organisation, name="iati-organisation"
    ),
]
