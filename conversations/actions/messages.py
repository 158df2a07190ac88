"""A party's message, and how far each side has received and read."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Staff
from bot.cache import get_bot
from bot.engine import read_message
from common.events import conversation_group, send_event
from conversations.actions.access import lock_conversation
from conversations.actions.bot import bot_answers
from conversations.actions.crisis import on_crisis
from conversations.actions.transcript import store_once, store_party_message
from conversations.models import Client, Conversation, Message, SenderKind, Status
from conversations.outbound import Side, receipt_event


def do_send_message(
    conversation_id: int,
    *,
    body: str,
    client_msg_id: str,
    client: Client | None = None,
    staff: Staff | None = None,
) -> tuple[Message, bool]:
    """Store a message from the client or the conversation's counsellor.

    Returns (message, created). Sending the same `client_msg_id` again returns
    the stored message with created=False, so a resend is never a duplicate.
    A client's new message is checked for crisis, and answered by the bot while
    the conversation is with the bot, in the same transaction: the line and
    what it set off are stored together or not at all.
    """
    if client is not None:
        get_bot()  # Built (or rebuilt after an edit) outside the transaction: it can take seconds.

    def work() -> tuple[Message, bool]:
        message, created, conversation = store_party_message(
            conversation_id, body=body, client_msg_id=client_msg_id, client=client, staff=staff
        )
        if created and client is not None:
            _after_client_message(conversation, message)
        return message, created

    sender_kind = SenderKind.CLIENT if client is not None else SenderKind.STAFF
    return store_once(conversation_id, sender_kind, client_msg_id, work)


def _after_client_message(conversation: Conversation, message: Message) -> None:
    """The crisis check of every client message, then the bot's answer when it is the bot's turn."""
    reading = read_message(message.body, conversation.language)
    if reading.crisis is not None:
        on_crisis(conversation, reading.lang)
    elif conversation.status == Status.BOT:
        bot_answers(conversation, message.body, reading)


def do_mark_seen(
    conversation: Conversation, *, side: Side, delivered: int | None, read: int | None
) -> dict[str, int] | None:
    """Move a side's delivered/read cursors forward (never back, never past the end)."""
    with transaction.atomic():
        locked = lock_conversation(conversation.pk)
        prefix = "client" if side == "client" else "staff"
        changed: list[str] = []
        current_read = getattr(locked, f"{prefix}_read_seq")
        current_delivered = getattr(locked, f"{prefix}_delivered_seq")
        if read is not None:
            read = min(read, locked.last_seq)
            if read > current_read:
                current_read = read
                changed.append(f"{prefix}_read_seq")
        delivered_value = max(delivered or 0, current_read)
        delivered_value = min(delivered_value, locked.last_seq)
        if delivered_value > current_delivered:
            current_delivered = delivered_value
            changed.append(f"{prefix}_delivered_seq")
        if not changed:
            return None
        Conversation.objects.filter(pk=locked.pk).update(
            **{f"{prefix}_read_seq": current_read, f"{prefix}_delivered_seq": current_delivered}
        )
        send_event(conversation_group(locked.pk), receipt_event(locked.pk, side, current_delivered, current_read))
        return {"delivered": current_delivered, "read": current_read}
