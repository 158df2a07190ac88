"""Keeping data only as long as it is needed.

The client page promises that messages are deleted CHAT_RETENTION_DAYS after a
chat ends; `purge_expired` keeps that promise. What stays of a purged
conversation is what the statistics need (desk, times, outcome, hand-off
reason, crisis flag), with the link to the client's browser token removed;
clients left without conversations are deleted.

Only closed conversations are purged, so conversations abandoned open (with
the chatbot, in a queue, with a counsellor) are first closed, in the same run,
after their idle time (conversations.actions.closing.idle_close_after); they
are purged CHAT_RETENTION_DAYS later like any other. Questions the bot could
not answer are clients' words too, so they follow the same days, counted from
when the question was last asked.

Run by `manage.py purge_expired` (cron) and, in the embedded set-up, by a timer
in scripts/serve.py. Every step is idempotent, so several processes running it
at once do no harm.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts.actions import forget_old_failures
from bot.models import UnansweredQuestion
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


def expired_conversations(now: dt.datetime) -> list[int]:
    """Closed conversations whose retention has run out and that still hold messages."""
    return list(
        Conversation.objects.filter(status=Status.CLOSED, closed_at__lt=retention_cutoff(now), purged_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def purge_conversations(ids: list[int], now: dt.datetime) -> int:
    """Delete the messages and notes of `ids` and unlink them from their clients; returns messages deleted."""
    deleted = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        with transaction.atomic():
            deleted += Message.objects.filter(conversation_id__in=batch).delete()[0]
            Note.objects.filter(conversation_id__in=batch).delete()
            Transfer.objects.filter(conversation_id__in=batch).update(note="")
            Conversation.objects.filter(pk__in=batch).update(nickname="", client=None, purged_at=now)
    return deleted


def close_idle_conversations(now: dt.datetime) -> int:
    """Close open conversations nobody has written in for their idle time; returns how many were closed."""
    idle: list[int] = []
    for status in (Status.BOT, Status.QUEUED, Status.ACTIVE):
        cutoff = now - idle_close_after(status)
        idle += (
            Conversation.objects.filter(status=status, created_at__lt=cutoff)
            .annotate(last_message=Max("messages__created_at"))
            .filter(Q(last_message__lt=cutoff) | Q(last_message__isnull=True))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    return sum(do_close_idle_conversation(conversation_id, now) for conversation_id in idle)


def retention_cutoff(now: dt.datetime) -> dt.datetime:
    """Anything of a client's older than this is deleted: CHAT_RETENTION_DAYS, the days the client page promises."""
    return now - dt.timedelta(days=settings.CHAT_RETENTION_DAYS)


def purge_expired(now: dt.datetime | None = None) -> PurgeReport:
    """Close abandoned conversations, then delete what is past retention; idempotent."""
    now = now or timezone.now()
    report = PurgeReport()
    report.idle_conversations_closed = close_idle_conversations(now)
    ids = expired_conversations(now)
    report.conversations_purged = len(ids)
    report.messages_deleted = purge_conversations(ids, now)
    report.clients_deleted = Client.objects.filter(conversations__isnull=True).delete()[0]
    report.unanswered_deleted = UnansweredQuestion.objects.filter(last_seen__lt=retention_cutoff(now)).delete()[0]
    # Failed login counts (keyed by an HMAC of the name) are kept a day, also when no one fails again.
    report.login_counts_deleted = forget_old_failures(now)
    return report
