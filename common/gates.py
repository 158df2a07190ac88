"""A few holders at once, a short line behind them, and "busy" beyond: for blocking work in request threads.

Django runs each HTTP request's sync code in a thread of its own. Work that is
heavy in such a thread (a password hash, a bot answer for the HTTP API) is not
queued anywhere by itself: a flood runs it N times at once, and every core,
and with CPU-bound Python the GIL too, is taken from the event loop and the
database thread that carry every chat message of the process. A gate lets
`concurrent` requests do the work at once, `queue_max` more wait for a turn,
and refuses the rest at once (GateFull), so the caller answers "busy" without
doing the work. (Work set off by a socket frame is bounded by
common.capacity.BoundedWork instead: it runs in the database thread's line.)

Gates are per process on purpose: they share out this process's cores.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class GateFull(Exception):
    """Every slot and every place in line is taken: answer "busy", do nothing."""


class Gate:
    """`concurrent` holders at once, `queue_max` more waiting in line, the rest refused at once."""

    def __init__(self, concurrent: int, queue_max: int) -> None:
        self.concurrent = max(1, concurrent)
        self.queue_max = max(0, queue_max)
        self._slots = threading.BoundedSemaphore(self.concurrent)
        self._lock = threading.Lock()
        self._admitted = 0  # running plus waiting

    @property
    def admitted(self) -> int:
        """How many are running or waiting now."""
        with self._lock:
            return self._admitted

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the slots for the block; wait in line for it, or raise GateFull."""
        with self._lock:
            if self._admitted >= self.concurrent + self.queue_max:
                raise GateFull
            self._admitted += 1
        try:
            with self._slots:
                yield
        finally:
            with self._lock:
                self._admitted -= 1


_gates_lock = threading.Lock()
_gates: dict[str, Gate] = {}


def gate(name: str, concurrent: int, queue_max: int) -> Gate:
    """This process's gate `name`, sized as asked (a test that changes the settings gets a new one)."""
    with _gates_lock:
        current = _gates.get(name)
        if current is None or (current.concurrent, current.queue_max) != (max(1, concurrent), max(0, queue_max)):
            current = _gates[name] = Gate(concurrent, queue_max)
        return current
