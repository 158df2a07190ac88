"""manage.py purge_expired: delete what is kept no longer than needed (stats.purge, conversations.retention)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand

from stats.purge import purge_expired


class Command(BaseCommand):
    help = (
        "Close conversations left open without messages (BOT_IDLE_CLOSE_HOURS with the chatbot, "
        "CHAT_IDLE_CLOSE_HOURS in a queue or with a counsellor), delete the messages of conversations closed "
        "longer ago than their organisation's retention days, forget unanswered questions last asked before "
        "the shortest organisation's days, and unlink the contact records of purged conversations. "
        "Safe to run at any time."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = purge_expired()
        for name, value in asdict(report).items():
            self.stdout.write(f"{name.replace('_', ' ')}: {value}")
