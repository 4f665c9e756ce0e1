"""Addresses of the suggestions app (outside the language prefix: the page gives the language)."""

from django.urls import path

from . import views

app_name = "suggestions"

urlpatterns = [
    path("<int:page_id>/send/", views.send, name="send"),
]
