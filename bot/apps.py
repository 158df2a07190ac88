from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BotConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bot"
    verbose_name = _("Chatbot")

    def ready(self) -> None:
        from bot.cache import connect_signals
        from bot.language import check_languages

        check_languages()
        connect_signals()
