"""manage.py seed_demo: load the demo organisations, desks and staff."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from demo.data import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create demo organisations, desks and staff of every role (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        staff = seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"Demo staff (password: {DEMO_PASSWORD}):")
        for spec in staff:
            extra = f" (two-step code: make totp STAFF={spec.username})" if spec.role in ("admin", "supervisor") else ""
            self.stdout.write(f"  {spec.username:16} {spec.role:11} desks: {', '.join(spec.desks) or '-'}{extra}")
