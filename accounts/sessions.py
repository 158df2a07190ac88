"""What makes a staff session valid: not idle too long, second factor passed where needed.

Pages check it in accounts.middleware; staff sockets check it when they open
and before every frame (`socket_session_valid`), reading the session afresh
from the store, so that logging out or idling out ends a socket as it ends a page.
"""

from __future__ import annotations

import functools
import time
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.utils import timezone
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


def socket_session_valid(scope: dict[str, Any]) -> bool:
    """The session a staff socket opened with is still valid, read afresh from the session store.

    A staff member may have logged out, or idled out, in the console since the
    socket opened; their open socket must then stop working as the page does.
    Checked before every staff frame, so with the database session store it is
    one plain query and a cached decode (docs/performance.md).
    """
    user = scope.get("user")
    session_key = getattr(scope.get("session"), "session_key", None)
    if user is None or not session_key:
        return False
    data = read_session(session_key)
    if data is None or data.get(SESSION_KEY) != str(user.pk):
        return False
    return session_is_valid(data, user)


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
