"""Ending a conversation: the counsellor closes it with an outcome, or the client ends it."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Staff
from conversations.actions.access import check_client_conversation, check_staff_conversation, lock_conversation
from conversations.actions.guests import end_guests
from conversations.actions.queue import publish_desks, publish_state
from conversations.actions.transcript import system_message
from conversations.errors import ChatError
from conversations.models import Client, Conversation, Outcome, Status
from conversations.signals import conversation_closed

logger = logging.getLogger(__name__)


def _tell_closed(conversation: Conversation) -> None:
    """Send `conversation_closed` for a locked, closed conversation (the contact record is made from it).

    Robustly: a receiver's failure is logged and never undoes the close; what a
    receiver did not do (a contact record) is made later by its catch-up job
    (stats.records.fill_missing_records).
    """
    for receiver, result in conversation_closed.send_robust(sender=Conversation, conversation=conversation):
        if isinstance(result, Exception):
            logger.error("conversation_closed: %r failed for %s", receiver, conversation.pk, exc_info=result)


def _close(conversation: Conversation, *, outcome: str, when: dt.datetime, code: str, by_client: bool = False) -> None:
    """Close a locked, open conversation: its state, the system line, and everybody told."""
    conversation.status = Status.CLOSED
    conversation.closed_at = when
    conversation.closed_by_client = by_client
    if outcome:
        conversation.outcome = outcome
    conversation.save(update_fields=["status", "closed_at", "closed_by_client", "outcome"])
    system_message(conversation, code)
    end_guests(conversation, when)  # a third participant's part ends with the conversation (issue 14)
    _tell_closed(conversation)
    publish_state(conversation)
    publish_desks([conversation.desk_id])


def close_locked(
    conversation: Conversation, *, outcome: str, when: dt.datetime, code: str, by_client: bool = False
) -> None:
    """`_close` for the other families of actions (a client's deletion closes an open conversation first)."""
    _close(conversation, outcome=outcome, when=when, code=code, by_client=by_client)


def nobody_answered(conversation: Conversation) -> bool:
    """Whether no counsellor answered a conversation that ends without one closing it.

    Then "client left" is its outcome; otherwise its counsellor records one.
    """
    return conversation.status in (Status.BOT, Status.QUEUED) or conversation.assigned_to_id is None


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
            _tell_closed(conversation)
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
        _close(
            conversation,
            outcome=Outcome.CLIENT_LEFT if nobody_answered(conversation) else "",
            when=timezone.now(),
            code="client_left",
            by_client=True,
        )
    return conversation


def idle_close_after(status: str) -> dt.timedelta:
    """How long an open conversation in `status` may go without a line before it is closed as abandoned.

    Abandoned conversations would otherwise never close, and only closed ones
    are purged (conversations.retention), so a client's words would be kept for
    ever: with the chatbot BOT_IDLE_CLOSE_HOURS, in a queue or with a counsellor
    CHAT_IDLE_CLOSE_HOURS.
    """
    if status == Status.MESSAGE:
        # A message waits for days (a weekend, a holiday): closed only after CHAT_MESSAGE_IDLE_CLOSE_DAYS.
        return dt.timedelta(days=settings.CHAT_MESSAGE_IDLE_CLOSE_DAYS)
    hours = settings.BOT_IDLE_CLOSE_HOURS if status == Status.BOT else settings.CHAT_IDLE_CLOSE_HOURS
    return dt.timedelta(hours=hours)


def last_activity(conversation: Conversation) -> dt.datetime:
    """When the newest line of `conversation` was written; its start when it has none."""
    newest = conversation.messages.order_by("-seq").values_list("created_at", flat=True).first()
    return newest or conversation.created_at


def do_close_idle_conversation(conversation_id: int, now: dt.datetime) -> bool:
    """Close an open conversation left without a line for `idle_close_after` its status (conversations.retention).

    Closed like a client's leaving (the same outcome rule, a "closed" line,
    everybody told); read again under the lock, so one that moved on meanwhile
    (a new line, a close) is left alone: False.
    """
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        if conversation.status == Status.CLOSED:
            return False
        if last_activity(conversation) >= now - idle_close_after(conversation.status):
            return False
        outcome = Outcome.CLIENT_LEFT if nobody_answered(conversation) else ""
        _close(conversation, outcome=outcome, when=now, code="closed")
    return True
