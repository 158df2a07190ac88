"""manage.py totp_code USERNAME: print the current TOTP code of a demo account.

For demo data only: it refuses unless the account's device uses the demo key.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.data import DEMO_TOTP_KEY


class Command(BaseCommand):
    help = "Print the current two-step code of a demo staff account."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        device = TOTPDevice.objects.filter(user__username=options["username"], key=DEMO_TOTP_KEY).first()
        if device is None:
            raise CommandError("No demo authenticator for that user.")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        self.stdout.write(f"{code:0{device.digits}d}")
