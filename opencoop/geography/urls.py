"""Addresses of the geography app (outside the language prefix)."""

from django.urls import path

from . import views

app_name = "geography"

urlpatterns = [
    path("<slug:scope>/map.json", views.map_json, name="map-json"),
]
