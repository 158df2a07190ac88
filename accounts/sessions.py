"""What makes a staff session valid: not idle too long, second factor passed where needed.

Pages check it in accounts.middleware; staff sockets check it when they open
and before every frame (`socket_staff`), reading the session and the staff row
afresh, so that logging out, idling out, deactivation or a new password ends a
socket as it ends a page.
"""

from __future__ import annotations

import functools
import time
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.utils import timezone
from django.utils.crypto import constant_time_compare
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


def close_sockets_at_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """`user_logged_out` receiver: every socket opened with this session closes at once (4401).

    Without it a listen-only socket would go on receiving messages until it
    sent a frame; the server-side timer (realtime.consumers) catches idle expiry.
    """
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        from common.events import send_event, session_group

        send_event(session_group(session_key), {"type": "session_ended"})


def stamp_session_at_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """`user_logged_in` receiver: a new session starts its idle clock at once.

    Without it a session would count as fresh until its first later request.
    """
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_KEY] = time.time()


def session_is_valid(session: Any, user: Any) -> bool:
    """Not idle-expired, and the second factor passed where the role needs one."""
    return session_is_fresh(session) and (not user.requires_2fa or session_otp_verified(session, user))


def socket_staff(scope: dict[str, Any]) -> Any | None:
    """The staff member of a staff socket as they are now, or None once the socket must stop.

    Read afresh on every frame and after every change of access: the session
    (logged out, idle-expired, second factor) and the staff row itself
    (deactivated, password changed since this session logged in: the session's
    password hash no longer matches, as django.contrib.auth.get_user checks for
    pages). Role and desk rights are then read from the returned row, never from
    the object the socket connected with. Two plain queries, the session decode
    cached (docs/performance.md).
    """
    from accounts.models import Staff

    user = scope.get("user")
    session_key = getattr(scope.get("session"), "session_key", None)
    if user is None or not session_key:
        return None
    data = read_session(session_key)
    if data is None or data.get(SESSION_KEY) != str(user.pk):
        return None
    staff = Staff.objects.filter(pk=user.pk, is_active=True).first()
    if staff is None or not session_hash_matches(data, staff):
        return None
    return staff if session_is_valid(data, staff) else None


def session_hash_matches(data: dict[str, Any], staff: Any) -> bool:
    """The session was made with the staff member's current password (and SECRET_KEY or a fallback)."""
    stored = data.get(HASH_SESSION_KEY)
    if not stored:
        return False
    if constant_time_compare(stored, staff.get_session_auth_hash()):
        return True
    return any(constant_time_compare(stored, fallback) for fallback in staff.get_session_auth_fallback_hash())


_DB_SESSIONS = "django.contrib.sessions.backends.db"


def read_session(session_key: str) -> dict[str, Any] | None:
    """A session's contents from the store, or None when it does not exist or has expired."""
    if settings.SESSION_ENGINE != _DB_SESSIONS:
        store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
        return dict(store.items()) if store.exists(session_key) else None
    from django.contrib.sessions.models import Session

    expire = Session._meta.get_field("expire_date").get_db_prep_value(timezone.now(), connection)
    table = connection.ops.quote_name(Session._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",  # noqa: S608
            [session_key, expire],
        )
        row = cursor.fetchone()
    return _decode_session(row[0]) if row else None


@functools.lru_cache(maxsize=4096)
def _decode_session(encoded: str) -> dict[str, Any]:
    # The same stored text always decodes to the same contents: decode (verify
    # the signature, parse JSON) once per change of the session, not per frame.
    from django.contrib.sessions.backends.db import SessionStore

    decoded: dict[str, Any] = SessionStore().decode(encoded)
    return decoded
