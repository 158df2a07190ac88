"""Private notes: staff of the conversation's desks see them, the client never does."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Staff
from common.events import conversation_staff_group, send_event
from conversations.actions.access import check_staff_conversation
from conversations.actions.transcript import clean_body
from conversations.models import Conversation, Note
from conversations.outbound import note_event


def add_note(conversation: Conversation, staff: Staff, body: str, client_msg_id: str | None = None) -> Note:
    """Store a note on a conversation (inside the caller's transaction) and show it to its staff."""
    note = Note.objects.create(conversation=conversation, author=staff, body=body, client_msg_id=client_msg_id)
    send_event(conversation_staff_group(conversation.pk), note_event(note))
    return note


def do_add_note(staff: Staff, conversation_id: int, *, body: str, client_msg_id: str) -> tuple[Note, bool]:
    """A staff member's note; the same `client_msg_id` again returns the stored note."""
    body = clean_body(body, empty=_("The note is empty."))
    with transaction.atomic():
        conversation = check_staff_conversation(staff, conversation_id)
        existing = Note.objects.filter(conversation=conversation, client_msg_id=client_msg_id).first()
        if existing is not None:
            return existing, False
        return add_note(conversation, staff, body, client_msg_id), True


def notes_of(conversation: Conversation) -> list[Note]:
    return list(conversation.notes.select_related("author").order_by("created_at", "pk"))
