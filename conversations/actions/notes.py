"""Private notes: staff of the conversation's desks see them, the client never does.

A conversation moved to another organisation's desk takes its notes along only
when the counsellor chose so (`do_transfer`); otherwise the notes written until
then are kept within the organisation they were written in (`Note.kept_within`),
and every read of notes goes through `visible_notes`.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet
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


def visible_notes(viewer: Staff) -> QuerySet[Note]:
    """The notes `viewer` may read wherever they may see the conversation: not kept within another organisation.

    A superuser reads all, as they see every desk (desks.actions.desks_for_staff).
    """
    notes = Note.objects.all()
    if viewer.is_superuser:
        return notes
    return notes.filter(Q(kept_within__isnull=True) | Q(kept_within_id=viewer.organisation_id))


def notes_of(conversation: Conversation, viewer: Staff) -> list[Note]:
    """The conversation's notes that `viewer` may read, oldest first (the caller checked the conversation)."""
    notes = visible_notes(viewer).filter(conversation=conversation)
    return list(notes.select_related("author").order_by("created_at", "pk"))


def keep_notes_within(conversation: Conversation, organisation_id: int) -> int:
    """The notes written so far stay with `organisation_id`: the conversation leaves for another organisation.

    Notes already kept within an organisation stay as they are. Returns how many were marked.
    """
    return Note.objects.filter(conversation=conversation, kept_within__isnull=True).update(
        kept_within_id=organisation_id
    )
