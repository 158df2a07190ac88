from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Only the `bench` management command; no models, no URLs."""

    name = "bench"
    default_auto_field = "django.db.models.BigAutoField"
