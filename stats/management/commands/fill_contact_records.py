"""manage.py fill_contact_records: make the contact records that closing conversations did not (stats.records)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from stats.records import fill_missing_records


class Command(BaseCommand):
    help = (
        "Make a contact record for every closed conversation that has none (a close whose record failed, "
        "conversations closed before contact records existed). Starts where the last run stopped; safe to run "
        "at any time."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        made = fill_missing_records()
        self.stdout.write(f"contact records made: {made}")
