"""Open data addresses (IATI files, downloads, API)."""

from django.urls import path

from . import downloads, feeds, views

app_name = "opendata"

urlpatterns = [
    # Before the organisation patterns, so that "activity" is never read as an identifier.
    path("iati/activity/<path:identifier>.xml", views.iati_activity, name="iati-activity"),
    path("iati/<str:identifier>/activities.xml", views.iati_activities, name="iati-activities"),
    path(
        "iati/<str:identifier>/organisation.xml", views.iati_organisation, name="iati-organisation"
    ),
    path("crs/<str:identifier>/<int:year>.csv", views.crs_csv, name="crs"),
    # Catalogue downloads and feeds: the catalogue page's GET filters, plus ?lang=.
    path("catalogue/activities.csv", downloads.catalogue_csv, name="catalogue-csv"),
    path("catalogue/activities.xlsx", downloads.catalogue_xlsx, name="catalogue-xlsx"),
    path("catalogue/activities.json", downloads.catalogue_json, name="catalogue-json"),
    path("catalogue/activities.xml", downloads.catalogue_iati, name="catalogue-iati"),
    path("catalogue/metadata.json", downloads.catalogue_metadata, name="catalogue-metadata"),
    path("feeds/activities.atom", feeds.ActivityAtomFeed(), name="feed-activities-atom"),
    path("feeds/activities.rss", feeds.ActivityRssFeed(), name="feed-activities-rss"),
    path("feeds/initiatives.atom", feeds.InitiativeAtomFeed(), name="feed-initiatives-atom"),
    path("feeds/initiatives.rss", feeds.InitiativeRssFeed(), name="feed-initiatives-rss"),
]
