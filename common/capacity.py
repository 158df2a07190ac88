"""Work set off by a frame, done after the frame is answered: a few jobs at once, a bounded line, then "no".

Why: Channels runs every consumer's database work in one thread per process
(`database_sync_to_async`), shared by every socket of the process. Work done
there as part of a frame, such as the bot's reading of a client's message and
its answer, holds up every other party's acknowledgement behind it: 60
clients talking to the bot within their rate limits pushed acknowledgements
to 19 s (docs/performance.md, issue 9).

So such work becomes a job that runs after the frame was answered, in the
same database thread (writes stay in the one thread that writes, SQLite has
one writer, and the job's events leave from the event loop as a frame's do),
but with at most `workers` jobs in that thread's line at any time: a frame
waits behind at most that many jobs, however many are admitted. A separate
thread would not help: the work is CPU-bound Python, and a thread computing
beside the database thread takes the GIL from it at every statement (measured:
acknowledgements eight times slower than with the job in line).

At most `workers + queue_max` jobs are admitted at once; beyond that
`reserve` answers None at once, so the caller can say "busy" instead of
letting a line grow without bound. A place is reserved inside the
transaction whose commit starts the job, and given back if it never starts.

Without a running server (a management command, a test calling an action
directly) there is no event loop to come back to: the job then runs inline,
as a plain function call.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import threading
from collections.abc import Callable

from asgiref.sync import SyncToAsync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from common.events import Outbox, run_collecting, send_outbox

logger = logging.getLogger(__name__)


def server_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop of the server this thread works for, or None outside a server.

    In the event loop's own thread, that loop; in a thread that asgiref runs
    sync code in for it (Channels' database thread, a sync view's thread), the
    loop asgiref recorded for that thread, as its `async_to_sync` reads it.
    """
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    local = SyncToAsync.threadlocal
    loop: asyncio.AbstractEventLoop | None = getattr(local, "main_event_loop", None)
    if loop is None or getattr(local, "main_event_loop_pid", None) != os.getpid() or not loop.is_running():
        return None
    return loop


class Place:
    """One admitted job's place: `start` it (after the commit), or it is given back by `release_unused`."""

    def __init__(self, work: BoundedWork, loop: asyncio.AbstractEventLoop | None) -> None:
        self.work = work
        self.loop = loop
        self.state = "reserved"  # then "started" or "released"

    def start(self, job: Callable[[], None]) -> None:
        """Run `job` in the database thread when its turn comes (from any thread; returns at once)."""
        if self.state == "released":  # started after all (a commit deferred past the release): count it again
            with self.work._lock:
                self.work._admitted += 1
        self.state = "started"
        if self.loop is None:
            self.work._finish(None)
            _run_logged(job, self.work.name)
            return
        self.loop.call_soon_threadsafe(self.work._start, job)

    def release_unused(self) -> None:
        """Give the place back unless the job started (its transaction rolled back)."""
        if self.state == "reserved":
            self.state = "released"
            self.work._finish(None)


class BoundedWork:
    """Jobs in the database thread after the frame: `workers` in its line at once, `queue_max` more waiting."""

    def __init__(self, name: str, workers: int, queue_max: int) -> None:
        self.name = name
        self.workers = max(1, workers)
        self.queue_max = max(0, queue_max)
        self._lock = threading.Lock()
        self._admitted = 0  # waiting for a turn, or in the database thread's line
        self._turns: asyncio.Semaphore | None = None  # made in the event loop
        self._tasks: set[asyncio.Task[None]] = set()  # the loop keeps only weak references

    @property
    def admitted(self) -> int:
        with self._lock:
            return self._admitted

    def reserve(self) -> Place | None:
        """A place for one job, or None when every place is taken (callable from any thread)."""
        loop = server_loop()
        with self._lock:
            if loop is not None and self._admitted >= self.workers + self.queue_max:
                return None
            self._admitted += 1
        return Place(self, loop)

    def _finish(self, _task: object) -> None:
        with self._lock:
            self._admitted -= 1

    def _start(self, job: Callable[[], None]) -> None:
        # A context of its own: the job is not part of the frame whose database call
        # started it (asgiref marks that call's context as holding the database thread).
        task = asyncio.get_running_loop().create_task(self._run(job), context=contextvars.Context())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(self._finish)

    async def _run(self, job: Callable[[], None]) -> None:
        if self._turns is None:
            self._turns = asyncio.Semaphore(self.workers)
        async with self._turns:
            await _in_database_thread(job, self.name)


async def _in_database_thread(function: Callable[[], object], name: str) -> None:
    """Run `function` in the database thread with its events collected, then send them; failures are logged."""
    outbox: Outbox = []
    try:
        await database_sync_to_async(run_collecting)(outbox, function)
    except Exception:
        logger.exception("%s failed", name)
    finally:
        await send_outbox(get_channel_layer(), outbox)  # never raises: what caused them is committed


def _run_logged(function: Callable[[], object], name: str) -> None:
    try:
        function()
    except Exception:
        logger.exception("%s failed", name)


def run_every(seconds: float, function: Callable[[], object], name: str) -> bool:
    """Run `function` in the database thread every `seconds`, for the life of the server's event loop.

    Returns False (nothing scheduled) outside a server. A failure is logged and
    the next round runs as planned.
    """
    loop = server_loop()
    if loop is None or seconds <= 0:
        return False

    async def repeat() -> None:
        while True:
            await asyncio.sleep(seconds)
            await _in_database_thread(function, name)

    holder: set[asyncio.Task[None]] = _repeating

    def start() -> None:
        task = loop.create_task(repeat(), context=contextvars.Context())
        holder.add(task)
        task.add_done_callback(holder.discard)

    loop.call_soon_threadsafe(start)
    return True


_repeating: set[asyncio.Task[None]] = set()
