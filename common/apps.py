from django.apps import AppConfig


class CommonConfig(AppConfig):
    """The bottom layer: event sending and rate limits, shared by every app above it."""

    name = "common"
