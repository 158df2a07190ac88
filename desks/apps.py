from django.apps import AppConfig


class DesksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "desks"
