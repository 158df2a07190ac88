from django.apps import AppConfig


class MediaConfig(AppConfig):
    """Files clients and staff send (issue 14): what is accepted, how it is cleaned, stored and linked.

    Below the conversations: it knows files, kinds and signed links, never who
    may read a conversation (conversations.actions.attachments decides that).
    """

    name = "media"
