"""manage.py refresh_report_rollups: build the reports' monthly rollups of stale months (stats.rollups)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from stats.rollups import refresh_rollups


class Command(BaseCommand):
    help = (
        "Build again the reports' monthly rollups of every month whose contact records changed since. "
        "Reports are exact without it (a stale month is counted from its records), only slower. "
        "scripts/serve.py runs it every ROLLUPS_EVERY_SECONDS; safe to run at any time."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        built = refresh_rollups()
        self.stdout.write(f"months built: {built}")
