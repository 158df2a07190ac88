from django.apps import AppConfig


class CommonConfig(AppConfig):
    """The bottom layer: event sending and rate limits, shared by every app above it."""

    name = "common"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from common.sqlite_like import install

        connection_created.connect(install, dispatch_uid="common.sqlite_like")
