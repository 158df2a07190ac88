from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "conversations"

    def ready(self) -> None:
        from conversations import access_changes
        from conversations.actions import attachments

        access_changes.connect()
        # An attachment's files go with its row, whatever deletes it (issue 14).
        attachments.connect()
