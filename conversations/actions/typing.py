"""Typing indicators: shown to the other side while a party writes, never stored."""

from __future__ import annotations

from accounts.models import Staff
from common.events import conversation_group, send_event
from conversations.actions.access import check_client_conversation, check_staff_can_write, check_staff_conversation
from conversations.models import Client, Status
from conversations.outbound import typing_event


def do_client_typing(client: Client, conversation_id: int, *, active: bool, exclude_channel: str) -> None:
    """The client is (or stopped) typing; nothing to show in a closed conversation."""
    conversation = check_client_conversation(client, conversation_id)
    if conversation.status == Status.CLOSED:
        return
    send_event(
        conversation_group(conversation.pk),
        typing_event(conversation.pk, "client", active),
        exclude_channel=exclude_channel,
    )


def do_staff_typing(staff: Staff, conversation_id: int, *, active: bool, exclude_channel: str) -> None:
    """The counsellor is (or stopped) typing; only the one who may write in the conversation."""
    conversation = check_staff_conversation(staff, conversation_id)
    check_staff_can_write(staff, conversation)
    send_event(
        conversation_group(conversation.pk),
        typing_event(conversation.pk, "staff", active),
        exclude_channel=exclude_channel,
    )
