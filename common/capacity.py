"""Work set off by a frame, done beside the database thread: a few jobs at once, a bounded line, then "no".

Why: Channels runs every consumer's database work in one thread per process
(`database_sync_to_async`), shared by every socket of the process. CPU-bound
work done there, such as the bot's reading of a client's message and its
answer (milliseconds to tens of milliseconds a message), holds up every other
party's acknowledgement behind it: 60 clients talking to the bot within their
rate limits pushed acknowledgements to 19 s (docs/performance.md, issue 9).

So such work is split in two. `compute` is the CPU part without the database;
it runs in one of `workers` threads of its own. `then(result)` stores what
was computed; it runs in the database thread like a frame's handler, with the
events it causes sent from the event loop afterwards (common.events), so
writes stay in the one thread that writes (SQLite has one writer) and events
leave as a frame's do. At most `workers + queue_max` jobs are admitted at
once; `submit` answers False beyond that, at once, so the caller can say
"busy" instead of letting a line grow without bound.

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
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from asgiref.sync import SyncToAsync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from common.events import Outbox, run_collecting, send_outbox

logger = logging.getLogger(__name__)
R = TypeVar("R")


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


class BoundedWork:
    """`workers` jobs computing at once, `queue_max` more admitted to wait, the rest refused."""

    def __init__(self, name: str, workers: int, queue_max: int) -> None:
        self.name = name
        self.workers = max(1, workers)
        self.queue_max = max(0, queue_max)
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._admitted = 0  # computing, waiting to compute, or waiting for the database thread
        self._tasks: set[asyncio.Task[None]] = set()  # the loop keeps only weak references

    @property
    def admitted(self) -> int:
        with self._lock:
            return self._admitted

    def submit(self, compute: Callable[[], R], then: Callable[[R], None]) -> bool:
        """Admit a job: `compute()` in a worker thread, then `then(result)` in the database thread.

        Callable from any thread; returns at once. False when every place is
        taken (nothing will run). A job that fails is logged: its caller has
        answered its party already, so a failed job must be recoverable from
        the database (see conversations.actions.messages.do_answer_forgotten).
        """
        loop = server_loop()
        if loop is None:
            self._run_inline(compute, then)
            return True
        with self._lock:
            if self._admitted >= self.workers + self.queue_max:
                return False
            self._admitted += 1
        loop.call_soon_threadsafe(self._start, compute, then)
        return True

    def _start(self, compute: Callable[[], Any], then: Callable[[Any], None]) -> None:
        # A context of its own: the job is not part of the frame whose database call
        # submitted it (asgiref marks that call's context as holding the database thread).
        task = asyncio.get_running_loop().create_task(self._run(compute, then), context=contextvars.Context())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, compute: Callable[[], Any], then: Callable[[Any], None]) -> None:
        try:
            result = await asyncio.get_running_loop().run_in_executor(self._executor, compute)
            outbox: Outbox = []
            try:
                await database_sync_to_async(run_collecting)(outbox, then, result)
            finally:
                # Never raises: what caused these events is committed.
                await send_outbox(get_channel_layer(), outbox)
        except Exception:
            logger.exception("%s: a job failed", self.name)
        finally:
            with self._lock:
                self._admitted -= 1

    def _run_inline(self, compute: Callable[[], Any], then: Callable[[Any], None]) -> None:
        try:
            then(compute())
        except Exception:
            logger.exception("%s: a job failed", self.name)


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
            outbox: Outbox = []
            try:
                await database_sync_to_async(run_collecting)(outbox, function)
            except Exception:
                logger.exception("%s failed", name)
            finally:
                await send_outbox(get_channel_layer(), outbox)

    holder: set[asyncio.Task[None]] = _repeating

    def start() -> None:
        task = loop.create_task(repeat(), context=contextvars.Context())
        holder.add(task)
        task.add_done_callback(holder.discard)

    loop.call_soon_threadsafe(start)
    return True


_repeating: set[asyncio.Task[None]] = set()
