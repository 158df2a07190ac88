"""A busy process stays responsive: a cap on its sockets with a clear refusal, and a /health that never waits.

Issue 9, item 4: a flood within the documented per-socket limits slowed every
party and made /health time out, so a monitor could not tell a busy process
from a dead one (realtime/capacity.py, kohtaamo/health.py).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from typing import Any

import pytest
from asgiref.sync import SyncToAsync
from django.conf import settings
from django.db import connection, transaction
from websockets.exceptions import ConnectionClosed

from kohtaamo.asgi import connection_cap
from realtime.capacity import BUSY_CLOSE_CODE
from tests.chat_helpers import Chat
from tests.wsclient import ProtocolClient

# What /health says of this run's channel layer: Redis (CI's second run, REDIS_URL) answers "ok".
LAYER = "ok" if str(settings.CHANNEL_LAYERS["default"]["BACKEND"]).startswith("channels_redis.") else "in-memory"


def wait_until(condition: Any, what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.02)


def close_code(socket: ProtocolClient, within: float = 5) -> int:
    """The code the server closed `socket` with, before sending it anything."""
    with pytest.raises(ConnectionClosed) as closed:
        socket.recv(timeout=within)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


@pytest.fixture
def quiet_process(live: Any) -> Any:
    """The live server with no socket of an earlier test still open (they close just after a test)."""
    wait_until(lambda: connection_cap.open == 0, "the sockets of earlier tests to close")
    return live


def test_sockets_beyond_the_cap_are_told_the_service_is_busy(chat: Chat, quiet_process: Any, settings: Any) -> None:
    settings.CHAT_MAX_CONNECTIONS_PER_PROCESS = 2
    client = chat.client()
    counsellor = chat.staff("counsellor")
    third = chat.connect("/ws/client/")
    assert close_code(third) == BUSY_CLOSE_CODE
    # The two inside are not disturbed.
    assert client.answer({"type": "ping"})["type"] == "pong"
    assert counsellor.answer({"type": "ping"})["type"] == "pong"
    # The cap counts sockets open now: when one closes, the next is taken.
    client.close()
    wait_until(lambda: connection_cap.open == 1, "the closed socket to leave the count")
    again = chat.client()
    assert again.token
    assert close_code(chat.connect("/ws/staff/", cookie=chat.login("counsellor"))) == BUSY_CLOSE_CODE
    # A refused socket is not counted.
    assert connection_cap.open == 2


def health(url: str, timeout: float = 5) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url + "/health", timeout=timeout) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_health_answers_while_the_socket_database_thread_is_busy(chat: Chat) -> None:
    client = chat.client()
    release = threading.Event()
    held = threading.Event()

    def hold() -> None:
        held.set()
        release.wait(30)

    # Channels' one database thread, which every socket's database work waits for, busy ...
    SyncToAsync.single_thread_executor.submit(hold)
    try:
        assert held.wait(10)
        client.send({"type": "start", "desk": "youth", "ref": "start"})
        # ... and /health answers meanwhile, from its own thread and connection,
        assert health(chat.live.url) == (200, {"status": "ok", "database": "ok", "channel_layer": LAYER})
        # while the client's frame still waits for that thread.
        assert not [event for event in client.drain(timeout=0.05) if event.get("ref") == "start"]
    finally:
        release.set()
    assert client.wait_for_ref("start", timeout=10)["type"] == "conversation"


def test_health_answers_while_a_writer_holds_the_database(live: Any) -> None:
    """Under a flood of writes a write transaction is always open; a health check waits for none.

    On SQLite the check used to begin an IMMEDIATE transaction of its own, which
    queued behind every writer for up to the 10 s busy timeout.
    """
    release = threading.Event()
    holding = threading.Event()

    def write_and_hold() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("CREATE TABLE health_probe_lock (x integer)")
                holding.set()
                release.wait(30)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        finally:
            connection.close()

    writer = threading.Thread(target=write_and_hold)
    writer.start()
    try:
        assert holding.wait(10)
        assert health(live.url) == (200, {"status": "ok", "database": "ok", "channel_layer": LAYER})
    finally:
        release.set()
        writer.join(10)


def test_health_says_slow_rather_than_hanging(live: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database check that does not finish is answered "slow" (503) after CHECK_TIMEOUT, not left hanging."""
    from kohtaamo import health as health_module

    release = threading.Event()

    def stuck() -> str:
        release.wait(30)
        return "ok"

    monkeypatch.setattr(health_module, "database_status", stuck)
    try:
        status, body = health(live.url)
        assert (status, body) == (503, {"status": "degraded", "database": "slow", "channel_layer": LAYER})
        # Both of the check's threads stuck: still an answer.
        assert health(live.url)[1]["database"] == "slow"
        assert health(live.url)[1]["database"] == "slow"
    finally:
        release.set()
    monkeypatch.undo()
    wait_until(lambda: health(live.url)[0] == 200, "health to recover once the database answers")
