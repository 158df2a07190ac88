"""Staff login: passwords, a growing wait after failed tries, TOTP enrolment.

Why a growing wait and not a lock. A lock of a fixed time after a few wrong
passwords lets anybody lock any staff member out, admins included, just by
knowing the user name, and its message told which names exist. Here, after
`LOGIN_MAX_FAILURES` failed tries in a row, a user name must wait before its
next try is checked at all: `LOGIN_DELAY_SECONDS`, doubling with each further
failure up to `LOGIN_DELAY_MAX_SECONDS`. A try sent during the wait is refused
without checking the password and does not count, so the wait never grows by
itself and the right password works again once it has passed: guessing is
slowed to a few hundred tries a day, a lock-out lasts minutes at most.

The tries of a browser in which a staff member has completed a login before
(it holds a signed "device cookie" for that name, OWASP's "device cookies")
are counted apart from the name's shared count: someone hammering a name from
elsewhere does not make its owner wait on their own computer.

Every name is counted alike, known or not (accounts.models.LoginThrottle, keyed
by an HMAC of the name), every refusal has the same text, and every try costs
exactly one password hash (a refused one hashes for nothing), so neither the
answer nor its timing tells an unknown name from a real one or a waiting one.
Wrong second-factor codes count toward the same wait, and only a completed
login (the second factor too where the role needs it) clears the count.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.hashing import password_check_slot
from accounts.models import LoginThrottle, Staff

# The signed cookie that marks a browser in which this name completed a login.
DEVICE_COOKIE = "kohtaamo_login_device"
DEVICE_COOKIE_MAX_AGE = 90 * 24 * 3600
_DEVICE_SALT = "accounts.login-device"
_NAME_SALT = "accounts.login-name"
# Which count the password step used, kept in the session for the second factor.
THROTTLE_SESSION_KEY = "kohtaamo_login_throttle"
# A count with no failure for this long is deleted (it holds an HMAC of a name).
FORGET_FAILURES_AFTER = timedelta(days=1)
# 2**30 seconds is far past any cap; keeps the power small.
_MAX_DOUBLINGS = 30


class LoginRefused(Exception):
    """A login step refused, with the text the person sees."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def refused() -> LoginRefused:
    """The one answer to a wrong name, a wrong password and a name that must wait: they look the same."""
    return LoginRefused(
        _("The username or password is wrong, or there were too many tries. Wait a moment and try again.")
    )


def throttled() -> LoginRefused:
    """A code that is not checked now (a wait after wrong tries, or django-otp's 1, 2, 4 ... s after a wrong code).

    Only someone who passed the password step sees it, so it may say plainly to wait;
    a code sent then is not checked at all, so it must not be called wrong.
    """
    return LoginRefused(_("Too many tries in a row. Wait a moment and try again."))


def name_key(username: str) -> str:
    """The count of a user name, known or not: an HMAC of it lower-cased (logins match names case-insensitively)."""
    return salted_hmac(_NAME_SALT, username.strip().lower(), algorithm="sha256").hexdigest()


def device_cookie_value(username: str) -> str:
    """A new device cookie for a browser that has just completed a login with `username`."""
    return signing.dumps({"name": name_key(username), "device": secrets.token_urlsafe(16)}, salt=_DEVICE_SALT)


def throttle_key(username: str, device_cookie: str | None) -> str:
    """The count a password try goes to: the browser's own if its device cookie is for this name, else the name's."""
    name = name_key(username)
    if device_cookie:
        try:
            data: Any = signing.loads(device_cookie, salt=_DEVICE_SALT, max_age=DEVICE_COOKIE_MAX_AGE)
        except signing.BadSignature:
            data = None
        if isinstance(data, dict) and data.get("name") == name and isinstance(data.get("device"), str):
            return salted_hmac(_DEVICE_SALT, f"{name}:{data['device']}", algorithm="sha256").hexdigest()
    return name


def delay_after(failures: int) -> timedelta:
    """How long a count must wait after `failures` failed tries in a row: none, then 1, 2, 4 ... s up to the cap."""
    if failures < settings.LOGIN_MAX_FAILURES:
        return timedelta(0)
    doublings = min(failures - settings.LOGIN_MAX_FAILURES, _MAX_DOUBLINGS)
    seconds = min(settings.LOGIN_DELAY_SECONDS * 2**doublings, settings.LOGIN_DELAY_MAX_SECONDS)
    return timedelta(seconds=seconds)


def must_wait(key: str) -> bool:
    """No try for this count is checked now: it failed too often and its wait has not passed."""
    wait_until = LoginThrottle.objects.filter(key=key).values_list("wait_until", flat=True).first()
    return wait_until is not None and wait_until > timezone.now()


def do_register_failure(key: str) -> None:
    """Count one failed try (password or code) and set the count's wait; forget counts idle for a day."""
    now = timezone.now()
    with transaction.atomic():
        row, _created = LoginThrottle.objects.select_for_update().get_or_create(
            key=key, defaults={"failures": 0, "last_failure": now}
        )
        failures = row.failures + 1 if now - row.last_failure < FORGET_FAILURES_AFTER else 1
        delay = delay_after(failures)
        row.failures, row.last_failure, row.wait_until = failures, now, (now + delay if delay else None)
        row.save(update_fields=["failures", "last_failure", "wait_until"])
    forget_old_failures(now)


def forget_old_failures(now: datetime) -> int:
    """Delete the counts of names that have not failed for FORGET_FAILURES_AFTER (also run by the purge)."""
    return LoginThrottle.objects.filter(last_failure__lt=now - FORGET_FAILURES_AFTER).delete()[0]


def do_register_success(key: str) -> None:
    """A login was completed (with its second factor where needed): its count starts again from nothing."""
    LoginThrottle.objects.filter(key=key).delete()


def check_password_login(request: HttpRequest, username: str, password: str, key: str) -> Staff:
    """The staff member whose password this is, or LoginRefused (the same for every reason).

    `key` is the count this try goes to (`throttle_key`). Every try spends exactly
    one password hash inside one of this process's bounded slots
    (accounts.hashing; PasswordChecksBusy when they are all taken): Django's
    backend hashes the password for an unknown name as for a real one, and a
    try that must wait hashes it for nothing. The count is cleared here only
    for a role without a second factor; otherwise by the second step.
    """
    staff = Staff.objects.filter(username__iexact=username.strip()).first()
    with password_check_slot():
        if must_wait(key):
            make_password(password)  # the cost of a checked try, so that waiting cannot be timed
            raise refused()
        user = authenticate(request, username=staff.username if staff else username, password=password)
    if user is None or not isinstance(user, Staff):
        do_register_failure(key)
        raise refused()
    if not user.requires_2fa:
        do_register_success(key)
    return user


def session_throttle_key(session: Any, staff: Staff) -> str:
    """The count the password step of this session used (the name's own if the session does not say)."""
    key = session.get(THROTTLE_SESSION_KEY)
    return key if isinstance(key, str) else name_key(staff.username)


def check_otp(staff: Staff, token: str, key: str) -> TOTPDevice:
    """Verify a TOTP code against the staff member's confirmed devices; a wrong one counts toward `key`'s wait."""
    token = "".join(token.split())
    if must_wait(key):
        raise throttled()
    devices = list(TOTPDevice.objects.filter(user=staff, confirmed=True))
    checkable = [device for device in devices if device.verify_is_allowed()[0]]
    if devices and not checkable:
        raise throttled()
    for device in checkable:
        if device.verify_token(token):
            do_register_success(key)
            return device
    do_register_failure(key)
    raise LoginRefused(_("The code is wrong or has expired."))


def get_or_create_unconfirmed_device(staff: Staff) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=staff, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=staff, name="authenticator", confirmed=False)
    return device


def do_confirm_device(staff: Staff, device: TOTPDevice, token: str, key: str) -> None:
    """Confirm a new authenticator with a code computed from its key; a wrong one counts toward `key`'s wait."""
    if must_wait(key) or not device.verify_is_allowed()[0]:
        raise throttled()
    if not device.verify_token("".join(token.split())):
        do_register_failure(key)
        raise LoginRefused(_("The code is wrong or has expired."))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    do_register_success(key)
