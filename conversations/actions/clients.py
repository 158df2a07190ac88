"""Anonymous clients: a random token in the browser, only its hash on the server."""

from __future__ import annotations

import hashlib
import secrets

from django.db.models import QuerySet

from conversations.models import Client, Conversation

# A browser token's length bounds: anything else is not one of ours.
TOKEN_LENGTHS = range(20, 129)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def get_or_create_client(token: str | None) -> tuple[Client, str]:
    """Find the client of `token`, or make a new anonymous client and token.

    An unknown or malformed token is not an error: the client's data may have
    been purged, and the page then simply starts afresh with a new token.
    A new client is not saved here but by its first conversation
    (`starting.do_start`): a visitor who only looks at the page leaves no
    row behind, and opening sockets cannot fill the table.
    """
    if token and len(token) in TOKEN_LENGTHS:
        client = Client.objects.filter(token_hash=hash_token(token)).first()
        if client is not None:
            return client, token
    new_token = secrets.token_urlsafe(32)
    return Client(token_hash=hash_token(new_token)), new_token


def open_conversations_of(client: Client) -> QuerySet[Conversation]:
    if client.pk is None:
        return Conversation.objects.none()
    return Conversation.objects.open().filter(client=client).select_related("desk").order_by("created_at")


def find_client(token: str | None) -> Client | None:
    """The stored client of `token`, or None (an upload never creates a client: it needs a conversation)."""
    if not token or len(token) not in TOKEN_LENGTHS:
        return None
    return Client.objects.filter(token_hash=hash_token(token)).first()
