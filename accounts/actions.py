"""Staff login: passwords, lock-out after repeated failures, TOTP enrolment."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Staff


class LoginRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_locked(staff: Staff) -> bool:
    return staff.locked_until is not None and staff.locked_until > timezone.now()


def do_register_failure(staff: Staff) -> None:
    """Count a failed attempt; lock the account when the limit is reached."""
    with transaction.atomic():
        Staff.objects.filter(pk=staff.pk).update(failed_logins=F("failed_logins") + 1)
        staff.refresh_from_db(fields=["failed_logins"])
        if staff.failed_logins >= settings.LOGIN_MAX_FAILURES:
            staff.locked_until = timezone.now() + timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
            staff.failed_logins = 0
            staff.save(update_fields=["locked_until", "failed_logins"])


def do_register_success(staff: Staff) -> None:
    if staff.failed_logins or staff.locked_until:
        Staff.objects.filter(pk=staff.pk).update(failed_logins=0, locked_until=None)


def check_password_login(request: HttpRequest, username: str, password: str) -> Staff:
    """Authenticate or raise LoginRefused with a message that does not reveal which part was wrong."""
    staff = Staff.objects.filter(username__iexact=username.strip()).first()
    locked_message = _("Too many failed attempts. The account is locked for %(minutes)d minutes.") % {
        "minutes": max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
    }
    if staff is not None and is_locked(staff):
        raise LoginRefused(locked_message)
    user = authenticate(request, username=staff.username if staff else username, password=password)
    if user is None or not isinstance(user, Staff):
        if staff is not None:
            do_register_failure(staff)
            if is_locked(staff):
                raise LoginRefused(locked_message)
        raise LoginRefused(_("The username or password is wrong."))
    do_register_success(user)
    return user


def throttled() -> LoginRefused:
    # django-otp waits 1, 2, 4 ... seconds after each wrong code before it checks
    # another; a code sent sooner is not checked at all, so it must not be called wrong.
    return LoginRefused(_("Too many tries in a row. Wait a few seconds and try again."))


def check_otp(staff: Staff, token: str) -> TOTPDevice:
    """Verify a TOTP code against the staff member's confirmed devices; failures count toward lock-out."""
    token = "".join(token.split())
    if is_locked(staff):
        raise LoginRefused(_("Too many failed attempts. Try again later."))
    devices = list(TOTPDevice.objects.filter(user=staff, confirmed=True))
    checkable = [device for device in devices if device.verify_is_allowed()[0]]
    if devices and not checkable:
        raise throttled()
    for device in checkable:
        if device.verify_token(token):
            do_register_success(staff)
            return device
    do_register_failure(staff)
    raise LoginRefused(_("The code is wrong or has expired."))


def get_or_create_unconfirmed_device(staff: Staff) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=staff, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=staff, name="authenticator", confirmed=False)
    return device


def do_confirm_device(staff: Staff, device: TOTPDevice, token: str) -> None:
    """Confirm a new authenticator with a code computed from its key; failures count toward lock-out."""
    if is_locked(staff):
        raise LoginRefused(_("Too many failed attempts. Try again later."))
    if not device.verify_is_allowed()[0]:
        raise throttled()
    if not device.verify_token("".join(token.split())):
        do_register_failure(staff)
        raise LoginRefused(_("The code is wrong or has expired."))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    do_register_success(staff)
