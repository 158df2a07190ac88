"""What makes a staff session valid: not idle too long, second factor passed where needed."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

LAST_SEEN_KEY = "kohtaamo_last_seen"


def session_is_fresh(session: Any, now: float | None = None) -> bool:
    """False once the staff member has been idle longer than STAFF_IDLE_TIMEOUT_SECONDS."""
    now = time.time() if now is None else now
    last_seen = session.get(LAST_SEEN_KEY)
    if last_seen is None:
        return True
    return now - float(last_seen) <= settings.STAFF_IDLE_TIMEOUT_SECONDS


def touch_session(session: Any, now: float | None = None) -> None:
    """Record activity, at most once a minute so that most requests do not write the session."""
    now = time.time() if now is None else now
    last_seen = session.get(LAST_SEEN_KEY)
    if last_seen is None or now - float(last_seen) > 60:
        session[LAST_SEEN_KEY] = now


def session_otp_verified(session: Any, user: Any) -> bool:
    """The session passed a second factor with one of the user's own confirmed devices."""
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return False
    device = Device.from_persistent_id(persistent_id)
    return device is not None and device.user_id == user.pk and device.confirmed


def stamp_session_at_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """`user_logged_in` receiver: a new session starts its idle clock at once.

    Without it a session would count as fresh until its first later request.
    """
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_KEY] = time.time()
