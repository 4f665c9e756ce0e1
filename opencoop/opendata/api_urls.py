"""The API's addresses alone, without the language-prefixed page tree (see ``api._error``)."""

from django.urls import path

from .api import api

urlpatterns = [path("api/v1/", api.urls)]
