"""At most a few password checks at once in this process, a short queue behind them, and "busy" beyond.

Why: one check is one Argon2 hash, with Django's parameters 100 MB of memory
and about 0.25 s of both cores of a small server (docs/performance.md), and
that is the point of the hash. A login flood of N simultaneous tries would take N times that: every
core busy hashing, so the event loop and Channels' database thread, which
carry every chat message of the process, would wait behind it. So at most
`LOGIN_CONCURRENT_CHECKS` checks run at once, at most `LOGIN_QUEUE_MAX` more
wait for a turn (a queued try waits a few seconds at most), and a try beyond
that is answered at once with "busy" (HTTP 503), without hashing anything.

The login view stays a plain (sync) view. Django's ASGI handler runs each
HTTP request's sync code in a thread of its own (asgiref's
ThreadSensitiveContext), never in the database thread that Channels' consumers
share, and the middleware around it (sessions, auth, the second factor) is sync
anyway: an async view would hop back to a thread for all but the wait. The
hash itself (argon2-cffi, hashlib.pbkdf2_hmac) runs without the GIL, so a
waiting or hashing request thread holds up nothing but itself; what has to be
bounded is how many run at once, and that is this gate.

The gate is per process on purpose: it shares out this process's cores. The
count of failed tries, which must hold across processes, is in the database
(accounts.models.LoginThrottle).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from common.gates import Gate, GateFull, gate

# Raised when every check and place in line is taken (common.gates).
PasswordChecksBusy = GateFull


def password_check_gate() -> Gate:
    """This process's gate for password checks, sized by the current settings."""
    return gate("password-checks", settings.LOGIN_CONCURRENT_CHECKS, settings.LOGIN_QUEUE_MAX)


@contextmanager
def password_check_slot() -> Iterator[None]:
    """Run the block (one password hash) as one of this process's bounded checks; see the module's docstring."""
    with password_check_gate().slot():
        yield
