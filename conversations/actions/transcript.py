"""Storing a line of the transcript: the message path.

Every line (a party's message, the bot's answer, a system line) gets the next
sequence number of its conversation under the conversation's lock, in the same
transaction as whatever caused it, and is announced only after the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Staff
from common.events import conversation_group, send_event
from conversations import message_sql
from conversations.actions.access import check_staff_can_write, closed_error, not_found, staff_may_see
from conversations.actions.attachments import take_unsent
from conversations.errors import ChatError
from conversations.models import Attachment, Client, Conversation, Message, SenderKind, Status
from conversations.outbound import message_event
from desks.models import Desk, desk_names


def clean_body(body: str, *, empty: str = "", may_be_empty: bool = False) -> str:
    """A party's text (a message or a note) without surrounding space; refused when empty or too long.

    The one check of a text's length: the protocol's schema only bounds a whole
    frame's size (CHAT_MAX_FRAME_BYTES), which is checked before any work.
    `may_be_empty`: an attachment's caption (the file is the message).
    """
    body = body.strip()
    if not body and not may_be_empty:
        raise ChatError("bad_message", empty or _("The message is empty."), field="body")
    if len(body) > settings.CHAT_MAX_MESSAGE_CHARS:
        raise ChatError("too_large", _("The message is too long."), field="body")
    return body


def append_message(
    conversation: Conversation,
    *,
    sender_kind: str,
    body: str = "",
    staff: Staff | None = None,
    client_msg_id: str | None = None,
    code: str = "",
    args: dict[str, Any] | None = None,
    attachment: Attachment | None = None,
    name: str = "",
) -> Message:
    """Store the next line of a locked conversation and announce it after commit.

    `attachment` (locked, unsent) is sent with the line: linked to it before
    the event is built, so the event carries it.
    `name`: the sender's name when not a staff member's (a guest's, conversations.actions.guests).
    """
    message = message_sql.insert_message(
        conversation,
        {
            "sender_kind": sender_kind,
            "sender_staff_id": staff.pk if staff else None,
            "sender_name": staff.public_name if staff else name,
            "client_msg_id": client_msg_id,
            "body": body,
            "code": code,
            "args": args or {},
        },
        timezone.now(),
    )
    if attachment is not None:
        attachment.message = message  # also caches message.attachment for the event
        attachment.save(update_fields=["message"])
    send_event(conversation_group(conversation.pk), message_event(message))
    return message


def system_message(conversation: Conversation, code: str, **args: Any) -> Message:
    """A system line (joined, transferred, closed...): each party renders `code` in its own language."""
    return append_message(conversation, sender_kind=SenderKind.SYSTEM, code=code, args=args)


def desk_args(conversation: Conversation, desk: Desk) -> dict[str, Any]:
    """A system line's `desk` argument: the name in the client's language, and in every language.

    Stored with the line, so a transcript read later still names the desk; each
    socket shows its own reader's name (conversations.outbound.localise), a
    Finnish counsellor and a Swedish client alike.
    """
    names = desk_names(desk)
    return {"desk": names.get(conversation.language) or names["fi"], "desk_names": names}


def store_party_message(
    conversation_id: int,
    *,
    body: str,
    client_msg_id: str,
    client: Client | None = None,
    staff: Staff | None = None,
    attachment_id: int | None = None,
) -> tuple[Message, bool, Conversation]:
    """Store a client's or staff member's line; call inside a transaction.

    Returns (message, created, conversation locked with message_sql.CONVERSATION_FIELDS).
    The same `client_msg_id` again returns the stored line with created=False,
    so a resend is never a duplicate. Four statements for a new line: the
    locked conversation, the duplicate check, the sequence number, the insert.
    With `attachment_id` (issue 14) the line sends the sender's own unsent
    upload and its text, the caption, may be empty; two statements more.
    """
    sender_kind = SenderKind.CLIENT if client is not None else SenderKind.STAFF
    body = clean_body(body, may_be_empty=attachment_id is not None)
    conversation = message_sql.lock_for_message(conversation_id)
    if conversation is None:
        raise not_found()
    # Authorise before anything else, even a duplicate: an id must not reveal another's message.
    if client is not None:
        if client.pk is None or conversation.client_id != client.pk:
            raise not_found()
    else:
        assert staff is not None
        if conversation.assigned_to_id != staff.pk and not staff_may_see(staff, conversation):
            raise not_found()
    existing = message_sql.find_duplicate(conversation_id, sender_kind, client_msg_id)
    if existing is not None:
        return existing, False, conversation
    if staff is not None:
        check_staff_can_write(staff, conversation)
    elif conversation.status == Status.CLOSED:
        raise closed_error()
    attachment = None
    if attachment_id is not None:
        attachment = take_unsent(conversation, attachment_id, "client" if staff is None else f"staff:{staff.pk}")
    message = append_message(
        conversation,
        sender_kind=sender_kind,
        body=body,
        staff=staff,
        client_msg_id=client_msg_id,
        attachment=attachment,
    )
    return message, True, conversation


def store_once(
    conversation_id: int, sender_kind: str, client_msg_id: str, work: Callable[[], tuple[Message, bool]]
) -> tuple[Message, bool]:
    """Run `work` (storing a party's line and what follows from it) in one transaction, once per id.

    `work` finds a resend by its id under the conversation's lock
    (`store_party_message`). Should two sockets still race past that check (a
    weaker isolation level than ours), the database's unique constraint
    refuses the second insert: its transaction rolls back whole, and the line
    the other stored is read in a transaction of its own (a lock or a read on
    PostgreSQL needs one; the failed one cannot be used any more).
    """
    try:
        with transaction.atomic():
            return work()
    except IntegrityError:
        with transaction.atomic():
            message = message_sql.find_duplicate(conversation_id, sender_kind, client_msg_id)
            if message is None:
                raise
            return message, False


def messages_after(conversation: Conversation, after: int) -> list[Message]:
    # With each line's attachment in the same query (the events carry it).
    return list(conversation.messages.filter(seq__gt=after).select_related("attachment").order_by("seq"))
