from django.urls import path

from . import admin_views

app_name = "geography_admin"
urlpatterns = [
    path("places/", admin_views.places, name="places"),
    path("picker-map/", admin_views.picker_map, name="picker-map"),
]
