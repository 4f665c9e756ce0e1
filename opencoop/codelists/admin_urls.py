from django.urls import path

from . import views

app_name = "codelists"
urlpatterns = [path("options/", views.options, name="options")]
