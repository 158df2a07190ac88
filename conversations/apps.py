from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "conversations"

    def ready(self) -> None:
        from conversations import access_changes
        from conversations.actions import attachments
        from conversations.actions.calls import on_conversation_closed
        from conversations.signals import conversation_closed

        access_changes.connect()
        # An attachment's files go with its row, whatever deletes it (issue 14).
        attachments.connect()
        # A conversation's close ends its call (issue 14, item 2).
        conversation_closed.connect(on_conversation_closed, dispatch_uid="calls-end-on-close")
