"""Opening a conversation: with the chatbot at a bot desk, else straight into the desk's queue."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.languages import supported_language
from conversations.actions.access import lock_conversation
from conversations.actions.bot import closed_text, greet
from conversations.actions.clients import open_conversations_of
from conversations.actions.queue import publish_desks
from conversations.actions.transcript import system_message
from conversations.errors import ChatError
from conversations.models import Client, Conversation, HandoffReason, Status
from desks.hours import is_open
from desks.models import Desk


def check_start(desk_slug: str, *, person: bool) -> Desk:
    """The desk to start at; refuses a start where nobody would answer.

    A desk with the chatbot takes conversations at any hour (the bot answers);
    a start that asks for a person, or a desk without the bot, needs the desk open.
    """
    desk = Desk.objects.filter(slug=desk_slug).prefetch_related("opening_periods").first()
    if desk is None:
        raise ChatError("bad_message", _("No such desk."), field="desk")
    if not desk.is_active:
        raise ChatError("desk_closed", _("This desk is not taking new conversations right now."))
    if not (desk.bot_enabled and not person) and not is_open(desk):
        raise ChatError("desk_closed", closed_text(desk))
    return desk


def _check_open_conversations(client: Client) -> None:
    """A client keeps a few conversations open at most (called with the client's row locked)."""
    if open_conversations_of(client).count() >= settings.CHAT_MAX_OPEN_CONVERSATIONS_PER_CLIENT:
        raise ChatError("too_many", _("You already have open conversations. Please end one first."))


def _lock_client(client: Client) -> None:
    """Save a new client (its first conversation saves it, see clients.get_or_create_client) and lock its row.

    Two sockets of one client starting at once then count its open
    conversations one after the other, so the limit holds.
    """
    if client.pk is None:
        client.pk = Client.objects.get_or_create(token_hash=client.token_hash)[0].pk
        client._state.adding = False
    Client.objects.select_for_update().filter(pk=client.pk).values_list("pk", flat=True).get()


def do_start(client: Client, desk: Desk, *, nickname: str = "", language: str = "", person: bool = False) -> int:
    """Open a conversation (after `check_start`) and return its id.

    At a desk with the chatbot the conversation starts with the bot unless the
    client asked for a person; everything (the row, the first lines, the
    hand-off reason) is stored in one transaction, so the queue snapshot sent
    after the commit already shows it all.
    """
    with_bot = desk.bot_enabled and not person
    nickname = " ".join(nickname.split())[: settings.CHAT_MAX_NICKNAME_CHARS]
    with transaction.atomic():
        _lock_client(client)
        _check_open_conversations(client)
        conversation = Conversation.objects.create(
            desk=desk,
            client=client,
            nickname=nickname,
            language=supported_language(language),
            status=Status.BOT if with_bot else Status.QUEUED,
            queued_at=None if with_bot else timezone.now(),
            handoff_reason=HandoffReason.DIRECT if desk.bot_enabled and not with_bot else "",
        )
        conversation = lock_conversation(conversation.pk)
        system_message(conversation, "started", desk=desk.name)
        if with_bot:
            greet(conversation)
        else:
            publish_desks([desk.pk])
    return conversation.pk
