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

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings


class PasswordChecksBusy(Exception):
    """Every slot and every queue place of this process is taken: answer "busy", hash nothing."""


class CheckGate:
    """`concurrent` holders at once, `queue_max` more waiting in line, the rest refused at once."""

    def __init__(self, concurrent: int, queue_max: int) -> None:
        self.concurrent = max(1, concurrent)
        self.queue_max = max(0, queue_max)
        self._slots = threading.BoundedSemaphore(self.concurrent)
        self._lock = threading.Lock()
        # Running plus waiting.
        self._admitted = 0

    @property
    def admitted(self) -> int:
        """How many checks are running or waiting now."""
        with self._lock:
            return self._admitted

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the slots for the block; wait in line for it, or raise PasswordChecksBusy."""
        with self._lock:
            if self._admitted >= self.concurrent + self.queue_max:
                raise PasswordChecksBusy
            self._admitted += 1
        try:
            with self._slots:
                yield
        finally:
            with self._lock:
                self._admitted -= 1


_gate_lock = threading.Lock()
_gate: CheckGate | None = None


def password_check_gate() -> CheckGate:
    """This process's gate, sized by the current settings (a test that changes them gets a new one)."""
    global _gate
    concurrent, queue_max = settings.LOGIN_CONCURRENT_CHECKS, settings.LOGIN_QUEUE_MAX
    with _gate_lock:
        if _gate is None or (_gate.concurrent, _gate.queue_max) != (max(1, concurrent), max(0, queue_max)):
            _gate = CheckGate(concurrent, queue_max)
        return _gate


@contextmanager
def password_check_slot() -> Iterator[None]:
    """Run the block (one password hash) as one of this process's bounded checks; see the module's docstring."""
    with password_check_gate().slot():
        yield
