"""Addresses of the operations app (outside the language prefix)."""

from django.urls import path

from . import views

app_name = "operations"

urlpatterns = [
    path("health/", views.health, name="health"),
]
