"""The history of closed conversations for staff: which ones a staff member may read, searching them,
and one conversation's record (transcript, notes, transfers, the same client's other conversations).

Reads only. Access is the rule of `access.visible_to` (the staff member's desks
now), narrowed to closed conversations whose clients' words are still kept
(`conversations.retention.within_retention`: the days of the desk's
organisation; one past them is gone for history even before the purge job has
run) and, for staff who may read only their own (`Staff.may_read_desk_history`),
to the conversations they answered or wrote in.
A conversation outside that answers `access.not_found`, the same as a missing
one. Opening and searching are audited by the views (audit.actions.record).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import Staff
from conversations.actions.access import not_found, visible_to
from conversations.actions.notes import notes_of, visible_notes
from conversations.models import (
    Conversation,
    ConversationQuerySet,
    Message,
    Note,
    SenderKind,
    Status,
    Transfer,
)
from conversations.retention import within_retention
from desks.actions import desks_for_staff
from desks.models import Desk

# How many characters of a search text are used: enough for any phrase, and a
# bound on what one request makes the database compare.
SEARCH_MAX_CHARS = 200


@dataclass(frozen=True)
class HistoryFilters:
    """What a history search asks for; every field optional (None or blank: any)."""

    desk: Desk | None = None
    since: dt.date | None = None  # started on or after this local day
    until: dt.date | None = None  # started on or before this local day
    outcome: str = ""
    crisis: bool | None = None  # True: flagged as a possible crisis; False: never flagged
    text: str = ""  # in the messages, the notes or the nickname, case-insensitive


def history_for(staff: Staff, now: dt.datetime | None = None) -> ConversationQuerySet:
    """The closed conversations `staff` may read in the history now.

    One the client deleted (conversations.actions.deletion) stays listed until its
    retention ends, with nothing of its words: staff see only that it was deleted.
    """
    now = now or timezone.now()
    conversations = visible_to(staff).filter(
        within_retention(now),
        Q(purged_at__isnull=True) | Q(deleted_by_client_at__isnull=False),
        status=Status.CLOSED,
    )
    if not staff.may_read_desk_history:
        wrote = Message.objects.filter(conversation=OuterRef("pk"), sender_staff=staff)
        conversations = conversations.filter(Q(assigned_to=staff) | Exists(wrote))
    return conversations


def history_desks(staff: Staff) -> list[Desk]:
    """The desks `staff` may search the history of (the desks they may see now)."""
    return list(desks_for_staff(staff).select_related("organisation").order_by("organisation__name", "name"))


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def search_history(staff: Staff, filters: HistoryFilters, now: dt.datetime | None = None) -> ConversationQuerySet:
    """The conversations of `history_for(staff)` that match `filters`, newest first.

    Each carries `first_words`: the client's first message (None when the client
    wrote nothing to a person or the bot), and `first_file`: the kind of the
    file that message sent, else None (a file's caption may be empty).
    """
    conversations = history_for(staff, now)
    if filters.desk is not None:
        conversations = conversations.filter(desk=filters.desk)
    if filters.since is not None:
        conversations = conversations.filter(created_at__gte=_day_start(filters.since))
    if filters.until is not None:
        conversations = conversations.filter(created_at__lt=_day_start(filters.until + dt.timedelta(days=1)))
    if filters.outcome:
        conversations = conversations.filter(outcome=filters.outcome)
    if filters.crisis is not None:
        conversations = conversations.filter(crisis_at__isnull=not filters.crisis)
    text = filters.text.strip()[:SEARCH_MAX_CHARS]
    if text:
        in_messages = Message.objects.filter(conversation=OuterRef("pk"), body__icontains=text)
        in_notes = visible_notes(staff).filter(conversation=OuterRef("pk"), body__icontains=text)
        conversations = conversations.filter(Exists(in_messages) | Exists(in_notes) | Q(nickname__icontains=text))
    first = Message.objects.filter(conversation=OuterRef("pk"), sender_kind=SenderKind.CLIENT).order_by("seq")
    return (
        conversations.select_related("desk", "assigned_to")
        .annotate(
            first_words=Subquery(first.values("body")[:1]), first_file=Subquery(first.values("attachment__kind")[:1])
        )
        .order_by("-created_at", "-pk")
    )


def check_history_conversation(staff: Staff, conversation_id: int) -> Conversation:
    """A conversation of `history_for(staff)`; `access.not_found` for any other, missing or not."""
    conversation = (
        history_for(staff)
        .select_related("desk", "desk__organisation", "assigned_to")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise not_found()
    return conversation


@dataclass(frozen=True)
class HistoryRecord:
    """What the history shows of one closed conversation."""

    conversation: Conversation
    messages: list[Message]
    notes: list[Note]
    transfers: list[Transfer]
    # The same anonymous client's other conversations that the reader may open, newest first.
    others: list[Conversation]


def history_record(staff: Staff, conversation: Conversation) -> HistoryRecord:
    """The transcript, notes, transfers and the same client's other readable conversations.

    `conversation` must come from `check_history_conversation(staff, ...)`.
    """
    others: list[Conversation] = []
    if conversation.client_id is not None:
        others = list(
            history_for(staff)
            .filter(client_id=conversation.client_id)
            .exclude(pk=conversation.pk)
            .select_related("desk", "assigned_to")
            .order_by("-created_at", "-pk")
        )
    return HistoryRecord(
        conversation=conversation,
        # With each line's attachment (issue 14): the page links the file for its reader.
        messages=list(conversation.messages.select_related("attachment").order_by("seq")),
        notes=notes_of(conversation, staff),
        transfers=list(
            conversation.transfers.select_related("from_desk", "to_desk", "from_staff", "to_staff").order_by(
                "created_at", "pk"
            )
        ),
        others=others,
    )


# How many earlier conversations the live console links to: the newest; the history page lists them all.
EARLIER_MAX = 10


def earlier_conversations(staff: Staff, conversation: Conversation) -> list[Conversation]:
    """The same client's earlier conversations that `staff` may open in the history now, newest first.

    Guidance over several sessions (issue 13, item 5): the counsellor of a
    returning client sees links to the earlier sessions' transcripts and notes
    (/console/history/<id>/, where each opening is audited). The rule of what
    they may read is `history_for`'s: closed, within retention, their desks.
    """
    if conversation.client_id is None:
        return []
    return list(
        history_for(staff)
        .filter(client_id=conversation.client_id, created_at__lt=conversation.created_at)
        .select_related("desk")
        .order_by("-created_at", "-pk")[:EARLIER_MAX]
    )
