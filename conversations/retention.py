"""Keeping data only as long as it is needed.

The client page promises that messages are deleted CHAT_RETENTION_DAYS after a
chat ends; `purge_expired` keeps that promise. What stays of a purged
conversation is what the statistics need (desk, times, outcome, hand-off
reason, crisis flag), with the link to the client's browser token removed;
clients left without conversations are deleted. Conversations abandoned with
the chatbot are closed, and questions the bot missed are forgotten after
BOT_UNANSWERED_DAYS.

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

from bot.models import UnansweredQuestion
from conversations.actions.closing import do_close_idle_bot_conversation
from conversations.models import Client, Conversation, Message, Note, Status, Transfer

BATCH = 500


@dataclass
class PurgeReport:
    conversations_purged: int = 0
    messages_deleted: int = 0
    clients_deleted: int = 0
    idle_bot_conversations_closed: int = 0
    unanswered_deleted: int = 0


def expired_conversations(now: dt.datetime) -> list[int]:
    cutoff = now - dt.timedelta(days=settings.CHAT_RETENTION_DAYS)
    return list(
        Conversation.objects.filter(status=Status.CLOSED, closed_at__lt=cutoff, purged_at__isnull=True)
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


def close_idle_bot_conversations(now: dt.datetime) -> int:
    """Close conversations nobody has written in for BOT_IDLE_CLOSE_HOURS while with the bot."""
    cutoff = now - dt.timedelta(hours=settings.BOT_IDLE_CLOSE_HOURS)
    idle = (
        Conversation.objects.filter(status=Status.BOT, created_at__lt=cutoff)
        .annotate(last_message=Max("messages__created_at"))
        .filter(Q(last_message__lt=cutoff) | Q(last_message__isnull=True))
        .values_list("pk", flat=True)
    )
    return sum(do_close_idle_bot_conversation(conversation_id, now) for conversation_id in list(idle))


def purge_expired(now: dt.datetime | None = None) -> PurgeReport:
    now = now or timezone.now()
    report = PurgeReport()
    report.idle_bot_conversations_closed = close_idle_bot_conversations(now)
    ids = expired_conversations(now)
    report.conversations_purged = len(ids)
    report.messages_deleted = purge_conversations(ids, now)
    report.clients_deleted = Client.objects.filter(conversations__isnull=True).delete()[0]
    unanswered_cutoff = now - dt.timedelta(days=settings.BOT_UNANSWERED_DAYS)
    report.unanswered_deleted = UnansweredQuestion.objects.filter(last_seen__lt=unanswered_cutoff).delete()[0]
    return report
