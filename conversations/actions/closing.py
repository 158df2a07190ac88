"""Ending a conversation: the counsellor closes it with an outcome, or the client ends it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Staff
from conversations.actions.access import check_client_conversation, check_staff_conversation, lock_conversation
from conversations.actions.queue import publish_desks, publish_state
from conversations.actions.transcript import system_message
from conversations.errors import ChatError
from conversations.models import Client, Conversation, Outcome, Status


def _close(conversation: Conversation, *, outcome: str, when: dt.datetime, code: str, by_client: bool = False) -> None:
    """Close a locked, open conversation: its state, the system line, and everybody told."""
    conversation.status = Status.CLOSED
    conversation.closed_at = when
    conversation.closed_by_client = by_client
    if outcome:
        conversation.outcome = outcome
    conversation.save(update_fields=["status", "closed_at", "closed_by_client", "outcome"])
    system_message(conversation, code)
    publish_state(conversation)
    publish_desks([conversation.desk_id])


def do_close(staff: Staff, conversation_id: int, *, outcome: str) -> Conversation:
    """The counsellor closes a conversation and records its outcome.

    A conversation the client already ended gets its outcome recorded the same way.
    """
    if outcome not in Outcome.values:
        raise ChatError("bad_message", _("Choose an outcome."), field="outcome")
    with transaction.atomic():
        conversation = check_staff_conversation(staff, conversation_id)
        conversation = lock_conversation(conversation.pk)
        if conversation.assigned_to_id != staff.pk and not staff.may_supervise:
            raise ChatError("forbidden", _("Only the counsellor in this conversation can close it."))
        if conversation.status == Status.CLOSED:
            conversation.outcome = outcome
            conversation.save(update_fields=["outcome"])
            publish_state(conversation)
            publish_desks([conversation.desk_id])
        else:
            _close(conversation, outcome=outcome, when=timezone.now(), code="closed")
    return conversation


def do_client_end(client: Client, conversation_id: int) -> Conversation:
    """The client ends the chat (at any point, also while waiting)."""
    with transaction.atomic():
        check_client_conversation(client, conversation_id)
        conversation = lock_conversation(conversation_id)
        if conversation.status == Status.CLOSED:
            return conversation
        # Nobody answered yet: that is the outcome. Otherwise the counsellor records one.
        unanswered = conversation.status == Status.QUEUED or conversation.assigned_to_id is None
        _close(
            conversation,
            outcome=Outcome.CLIENT_LEFT if unanswered else "",
            when=timezone.now(),
            code="client_left",
            by_client=True,
        )
    return conversation


def do_close_idle_bot_conversation(conversation_id: int, now: dt.datetime) -> bool:
    """Close a conversation left with the chatbot (conversations.retention); False when it moved on meanwhile."""
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        if conversation.status != Status.BOT:
            return False
        _close(conversation, outcome=Outcome.CLIENT_LEFT, when=now, code="closed")
    return True
