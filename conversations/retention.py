"""Keeping data only as long as it is needed.

Each organisation sets how long its clients' words are kept
(`accounts.Organisation.retention_days`, default 90, edited by its admin in the
Django admin). A conversation follows the organisation of its desk: the client
page promises that desk's days (widget.views), the history shows nothing older
(`within_retention`), and `purge_expired` keeps the promise. What stays of a
purged conversation is what the statistics need (desk, times, outcome,
hand-off reason, crisis flag), with the link to the client's browser token
removed; clients left without conversations are deleted.

Only closed conversations are purged, so conversations abandoned open (with
the chatbot, in a queue, with a counsellor) are first closed, in the same run,
after their idle time (conversations.actions.closing.idle_close_after); they
are purged their organisation's days later like any other. Questions the bot
could not answer are clients' words too but belong to no desk, so they follow
the shortest days of any organisation (`shortest_retention_days`), counted
from when the question was last asked: every organisation's promise is kept.

What one conversation's purge deletes is the list `CONVERSATION_PURGERS`: one
function per kind of client data, run in one transaction per batch. Issue 14
adds attachments (their files deleted from storage after the commit) and call
details there. Apps in the layers above (stats: the contact record's link to
the conversation) cannot be called from here; `stats.purge.purge_expired`
runs this module's `purge_expired` and then their steps, and is what
`manage.py purge_expired` (cron) and the timer in scripts/serve.py run. Every
step is idempotent, so several processes running it at once do no harm.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts.actions import forget_old_failures
from accounts.models import Organisation, shortest_retention_days
from bot.models import UnansweredQuestion
from conversations.actions.attachments import do_delete_unsent, purge_attachments
from conversations.actions.closing import do_close_idle_conversation, idle_close_after
from conversations.models import Client, Conversation, Message, Note, Status, Transfer

BATCH = 500


@dataclass
class PurgeReport:
    conversations_purged: int = 0
    messages_deleted: int = 0
    clients_deleted: int = 0
    idle_conversations_closed: int = 0
    unanswered_deleted: int = 0
    login_counts_deleted: int = 0
    unsent_attachments_deleted: int = 0


def cutoffs(now: dt.datetime) -> dict[int, dt.datetime]:
    """Each organisation's retention cutoff now: its conversations closed before it are past retention."""
    return {pk: now - dt.timedelta(days=days) for pk, days in Organisation.objects.values_list("pk", "retention_days")}


def within_retention(now: dt.datetime) -> Q:
    """Conversations closed within their desk's organisation's retention (a filter on Conversation).

    One condition per organisation: a region has a handful, and the rule stays
    one query on any database.
    """
    kept = Q(pk__in=[])
    for organisation_id, cutoff in cutoffs(now).items():
        kept |= Q(desk__organisation_id=organisation_id, closed_at__gte=cutoff)
    return kept


def past_retention(now: dt.datetime) -> Q:
    """Conversations closed before their desk's organisation's retention cutoff."""
    expired = Q(pk__in=[])
    for organisation_id, cutoff in cutoffs(now).items():
        expired |= Q(desk__organisation_id=organisation_id, closed_at__lt=cutoff)
    return expired


def expired_conversations(now: dt.datetime) -> list[int]:
    """Closed conversations past their organisation's retention that still hold clients' words."""
    return list(
        Conversation.objects.filter(past_retention(now), status=Status.CLOSED, purged_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def purge_messages(ids: list[int], now: dt.datetime) -> int:
    """The messages (client's, staff's, the bot's, system lines)."""
    return Message.objects.filter(conversation_id__in=ids).delete()[0]


def purge_notes(ids: list[int], now: dt.datetime) -> int:
    """Staff's notes about the conversation, and the notes written with transfers."""
    deleted = Note.objects.filter(conversation_id__in=ids).delete()[0]
    Transfer.objects.filter(conversation_id__in=ids).update(note="")
    return deleted


def purge_client_link(ids: list[int], now: dt.datetime) -> int:
    """The nickname, the link to the client's browser token and the conversation code; marks them purged."""
    return Conversation.objects.filter(pk__in=ids).update(nickname="", client=None, code_hash=None, purged_at=now)


# What a conversation's purge deletes, in order, each called with a batch of conversation ids inside
# one transaction (returns how many rows it deleted or changed). Add a kind of client data here:
# issue 14's attachments (a function deleting the rows, with their files deleted from storage by
# transaction.on_commit) and call details go before `purge_client_link`, which marks the batch done.
Purger = Callable[[list[int], dt.datetime], int]
# Attachments go first: their rows name the messages, and deleting a row deletes its files after
# the commit (conversations.actions.attachments.delete_files_with_rows).
CONVERSATION_PURGERS: list[Purger] = [purge_attachments, purge_messages, purge_notes, purge_client_link]


def purge_conversations(ids: list[int], now: dt.datetime) -> int:
    """Run every purger of `CONVERSATION_PURGERS` on `ids`, a batch at a time; returns messages deleted."""
    deleted = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        with transaction.atomic():
            for purger in CONVERSATION_PURGERS:
                count = purger(batch, now)
                if purger is purge_messages:
                    deleted += count
    return deleted


def close_idle_conversations(now: dt.datetime) -> int:
    """Close open conversations nobody has written in for their idle time; returns how many were closed."""
    idle: list[int] = []
    for status in (Status.BOT, Status.QUEUED, Status.ACTIVE, Status.MESSAGE):
        cutoff = now - idle_close_after(status)
        idle += (
            Conversation.objects.filter(status=status, created_at__lt=cutoff)
            .annotate(last_message=Max("messages__created_at"))
            .filter(Q(last_message__lt=cutoff) | Q(last_message__isnull=True))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    return sum(do_close_idle_conversation(conversation_id, now) for conversation_id in idle)


def unanswered_cutoff(now: dt.datetime) -> dt.datetime:
    """Unanswered questions last asked before this are deleted (`shortest_retention_days`)."""
    return now - dt.timedelta(days=shortest_retention_days())


def purge_expired(now: dt.datetime | None = None) -> PurgeReport:
    """Close abandoned conversations, then delete what is past retention; idempotent.

    The conversations' part only: run `stats.purge.purge_expired`, which also
    unlinks the contact records of purged conversations.
    """
    now = now or timezone.now()
    report = PurgeReport()
    report.idle_conversations_closed = close_idle_conversations(now)
    ids = expired_conversations(now)
    report.conversations_purged = len(ids)
    report.messages_deleted = purge_conversations(ids, now)
    report.clients_deleted = Client.objects.filter(conversations__isnull=True).delete()[0]
    report.unanswered_deleted = UnansweredQuestion.objects.filter(last_seen__lt=unanswered_cutoff(now)).delete()[0]
    # Failed login counts (keyed by an HMAC of the name) are kept a day, also when no one fails again.
    report.login_counts_deleted = forget_old_failures(now)
    # Files uploaded and never sent (MEDIA_UNSENT_HOURS), with their files.
    report.unsent_attachments_deleted = do_delete_unsent(now)
    return report
