from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "stats"
    verbose_name = _("Statistics")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every closing conversation gets its contact record in the closing transaction (stats.records).
        from conversations.signals import conversation_closed
        from stats.records import on_conversation_closed

        conversation_closed.connect(on_conversation_closed, dispatch_uid="stats.contact_record")
