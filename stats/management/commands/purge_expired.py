"""manage.py purge_expired: make missing contact records, then delete what is kept no longer than needed
(stats.purge, conversations.retention). Cron runs this one command; nothing else is needed for the records."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand

from stats.purge import purge_expired


class Command(BaseCommand):
    help = (
        "Make the contact records of closed conversations that have none (as fill_contact_records), then close "
        "conversations left open without messages (BOT_IDLE_CLOSE_HOURS with the chatbot, "
        "CHAT_IDLE_CLOSE_HOURS in a queue or with a counsellor), delete the messages of conversations closed "
        "longer ago than their organisation's retention days, forget unanswered questions last asked before "
        "the shortest organisation's days, and unlink the contact records of purged conversations. "
        "Safe to run at any time."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = purge_expired()
        for name, value in asdict(report).items():
            self.stdout.write(f"{name.replace('_', ' ')}: {value}")
