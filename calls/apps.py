from django.apps import AppConfig


class CallsConfig(AppConfig):
    """ICE settings for voice and video calls (docs/calls.md); the calls themselves are conversations'."""

    name = "calls"

    def ready(self) -> None:
        from calls import checks  # noqa: F401  (registers the system check)
