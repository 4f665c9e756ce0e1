from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "opencoop.pages"
    label = "pages"
