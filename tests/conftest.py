"""Shared fixtures: a real ASGI server on loopback, protocol clients, demo data, browsers.

The server runs uvicorn in a thread of the test process, against the test
database, so that tests speak real WebSockets and HTTP to it. Tests that use it
need committed data (`transactional_db`), which the `live` fixture requests.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.demo import Demo

pytest_plugins = ["tests.browser"]

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make there are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class BetweenTestsNoise(logging.Filter):
    """Drops what the in-process server's timers (common.capacity.run_every: the bot's forgotten questions,
    the calls' sweep and presence beat) log while no test lets them at the database.

    Their rounds go on between tests, when pytest-django refuses database access, and each refusal would be
    logged with its traceback. Python 3.11 formats a traceback with `ast.parse` (the caret lines), and
    `ast.parse` in two threads at once can fail with "SystemError: AST constructor recursion depth mismatch"
    (CPython gh-106905): in a test that parses source itself (tests/architecture) at that moment. Dropped
    here, before any formatting; the same failure in a real server is still logged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not (isinstance(error, RuntimeError) and "Database access not allowed" in str(error))


logging.getLogger("common.capacity").addFilter(BetweenTestsNoise())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """uvicorn serving kohtaamo.asgi in a background thread."""

    def __init__(self) -> None:
        import uvicorn

        from kohtaamo.asgi import application

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            application,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            ws_max_size=65536,
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("live server did not start")
            time.sleep(0.02)

    def quiesce(self, timeout: float = 10) -> None:
        """Close every open connection and wait until no request is being handled.

        Run before the database is flushed after a test: a handler still at work
        (a browser's last `seen`, a socket's disconnect) would otherwise hold
        locks that PostgreSQL's TRUNCATE deadlocks with, or read half-flushed tables.
        """
        state = self.server.server_state
        loop = self.server.servers[0].get_loop()

        def shut_down() -> None:
            for connection in list(state.connections):
                connection.shutdown()

        loop.call_soon_threadsafe(shut_down)
        deadline = time.monotonic() + timeout
        while (state.tasks or state.connections) and time.monotonic() < deadline:
            time.sleep(0.02)

    def stop(self) -> None:
        # The protocol's database thread keeps its connection (CONN_MAX_AGE): close
        # it, or PostgreSQL refuses to drop the test database that it still uses.
        from asgiref.sync import sync_to_async
        from django.db import connections

        if self.server.servers:
            loop = self.server.servers[0].get_loop()
            done = asyncio.run_coroutine_threadsafe(sync_to_async(connections.close_all)(), loop)
            done.result(timeout=10)
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server_session(django_db_setup: Any, django_db_blocker: Any) -> Iterator[LiveServer]:
    server = LiveServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live(live_server_session: LiveServer, transactional_db: Any) -> Iterator[LiveServer]:
    """The running server, with an empty database flushed after the test (once the server is quiet)."""
    yield live_server_session
    live_server_session.quiesce()


@pytest.fixture
def demo(transactional_db: Any) -> Demo:
    """The demo organisations, desks and staff (see demo/data.py): `demo.staff.counsellor`, `demo.desks.youth`."""
    from demo.data import seed_demo
    from desks.models import OpeningException, OpeningPeriod

    seed_demo(brain=False)
    # Demo desks have opening hours and exceptions; tests that need them set their own, so
    # that the suite does not depend on the hour or the day it runs at.
    OpeningPeriod.objects.all().delete()
    OpeningException.objects.all().delete()
    return Demo.load()


@pytest.fixture
def chat(live: LiveServer, demo: Demo) -> Iterator[Any]:
    """Protocol sockets for the demo data (tests/chat_helpers.Chat); checks every frame received."""
    from tests.chat_helpers import Chat

    chat = Chat(live)
    yield chat
    try:
        chat.assert_protocol_followed()
    finally:
        chat.close()


@pytest.fixture
def processes(tmp_path: Any) -> Iterator[Any]:
    """A tests.processes.Processes: everything started through it is stopped after the test, its logs printed."""
    from tests.processes import Processes

    started = Processes(tmp_path)
    try:
        yield started
    finally:
        started.stop()
        print(started.logs())  # shown by pytest when the test failed


@pytest.fixture(autouse=True)
def no_event_loop_here(request: pytest.FixtureRequest) -> Iterator[None]:
    """Hide the event loop a browser test may have left in this thread (every test without a browser).

    The actions send their events with async_to_sync after commit, which refuses
    to run in a thread with a running loop (Playwright's sync API keeps one for
    the session's browser). A test that calls an action in this thread, or logs
    out through Django's test client, would otherwise lose those events.
    """
    if "browser" in request.fixturenames:
        yield
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        yield
        return
    asyncio.events._set_running_loop(None)
    try:
        yield
    finally:
        asyncio.events._set_running_loop(loop)


EXIT_URL = "https://weather.example/"
EXIT_PAGE = "<!doctype html><html lang='en'><title>Weather</title><h1>Weather today</h1></html>"


@pytest.fixture
def new_page(browser: Any, live: Any, demo: Any) -> Iterator[Callable[..., Any]]:
    """Open a page in a fresh browser context (its own storage), closed after the test."""
    contexts: list[Any] = []

    def open_page(locale: str = "en-US", **options: Any) -> Any:
        context = browser.new_context(locale=locale, **options)
        # The quick-exit page is outside; it is answered here so nothing leaves the machine.
        context.route(EXIT_URL + "**", lambda route: route.fulfill(body=EXIT_PAGE, content_type="text/html"))
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True, scope="session")
def trained_starter_brain() -> None:
    """Train the bot's models on the starter brain once, before any test waits for an answer.

    Every test database seeds the same starter brain, and a bot built from the
    same examples reuses these models (bot.classifier.trained): without this the
    first test to ask the bot waits seconds for the training, within its timeouts.
    """
    from bot.brains import load_starter_brain

    load_starter_brain()


@pytest.fixture
def fresh_code_limits(settings: Any) -> Iterator[None]:
    """Full buckets of conversation-code tries (conversations.actions.codes) for this test.

    The buckets live in the server's memory, or in Redis when `REDIS_URL` is set,
    where they outlive a test: a key prefix of the test's own makes fresh ones
    in either (the limiters are made per prefix).
    """
    from conversations.actions import codes

    settings.RATE_LIMIT_KEY_PREFIX = f"{settings.RATE_LIMIT_KEY_PREFIX}:{os.urandom(6).hex()}"
    codes._limiters.cache_clear()
    yield
    codes._limiters.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def attachments_folder_removed_after_the_run() -> Iterator[None]:
    """The run's own attachments folder (kohtaamo.test_settings: MEDIA_ROOT per process) goes with the run."""
    import shutil

    from django.conf import settings

    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
