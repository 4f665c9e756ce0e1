"""Addresses of the geography app: the map's data (outside the language prefix), and the
partner countries' pages (under it: /it/paesi/sn/, /en/countries/sn/)."""

from django.urls import path, re_path

from . import views
from .addresses import SEGMENT_PATTERN

app_name = "geography"

urlpatterns = [
    path("<slug:scope>/map.json", views.map_json, name="map-json"),
]

country_patterns = (
    [
        re_path(rf"^(?P<segment>{SEGMENT_PATTERN})/$", views.country_index, name="countries"),
        re_path(
            rf"^(?P<segment>{SEGMENT_PATTERN})/(?P<code>[a-z]{{2}})/$",
            views.country_page,
            name="country",
        ),
    ],
    "countries",
)
