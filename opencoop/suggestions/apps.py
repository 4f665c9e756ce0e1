from django.apps import AppConfig


class SuggestionsConfig(AppConfig):
    name = "opencoop.suggestions"
    label = "suggestions"
