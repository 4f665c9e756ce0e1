from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "opencoop.activities"
    label = "activities"
