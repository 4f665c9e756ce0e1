"""Admin addresses of the editorial app, mounted under /admin/editorial/ by a Wagtail hook."""

from django.urls import path

from . import views

app_name = "editorial"
urlpatterns = [
    path("translations/", views.TranslationListView.as_view(), name="translations"),
    path("translations/export/", views.export_translations, name="translations_export"),
    path("guide/", views.EditorsGuideView.as_view(), name="guide"),
]
