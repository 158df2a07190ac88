"""manage.py seed_demo: load the demo organisations, desks, staff, this week's shifts and made-up contact records."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from demo.data import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create demo organisations, desks, staff of every role and a year of contact records (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-records",
            action="store_true",
            help="Leave out the made-up contact records and feedback (the benchmarks count their own).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        staff = seed_demo(records=not options["no_records"], shifts=True)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"Demo staff (password: {DEMO_PASSWORD}):")
        for spec in staff:
            extra = f" (two-step code: make totp STAFF={spec.username})" if spec.role in ("admin", "supervisor") else ""
            self.stdout.write(f"  {spec.username:16} {spec.role:11} desks: {', '.join(spec.desks) or '-'}{extra}")
