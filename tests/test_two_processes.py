"""Scale-out (point 8): two server processes on one database and one Redis serve one conversation.

A client connected to process 1 and a counsellor connected to process 2 chat
as if there were one server: the queue, taking, messages both ways, typing and
receipts all cross between the processes through Redis, and the history comes
from the shared database.

On a PostgreSQL run (DATABASE_URL set) both processes use the test database and
REDIS_URL. On SQLite they share the test database file (WAL allows several
processes) and a private redis-server started here.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection
from django.test import Client as HttpClient

from desks.demo import DEMO_PASSWORD
from tests.chat_helpers import messages
from tests.wsclient import ProtocolClient, staff_cookie

BASE_DIR = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait until `port` accepts connections; fail at once (with the log) if the process died."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"process on port {port} exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"nothing listens on port {port} after {START_TIMEOUT} s:\n{log.read_text()[-4000:]}")


@dataclass
class Started:
    process: subprocess.Popen[bytes]
    log: Path
    log_file: IO[bytes]


class Processes:
    """Subprocesses that are always stopped, whatever happens to the test."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.started: list[Started] = []

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = self.directory / f"{name}.log"
        log_file = log.open("wb")
        process = subprocess.Popen(
            args, cwd=BASE_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.started.append(Started(process, log, log_file))
        return process

    def stop(self) -> None:
        for started in reversed(self.started):
            if started.process.poll() is None:
                started.process.send_signal(signal.SIGTERM)
        for started in reversed(self.started):
            try:
                started.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                started.process.kill()
                started.process.wait(timeout=10)
            started.log_file.close()

    def logs(self) -> str:
        return "\n".join(f"--- {s.log.name}\n{s.log.read_text()[-3000:]}" for s in self.started)


@dataclass
class Server:
    url: str
    ws_url: str


def server_env(redis_url: str) -> dict[str, str]:
    """The environment of a server process: the test's database and the given Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(DJANGO_SETTINGS_MODULE="kohtaamo.settings", DEBUG="1", REDIS_URL=redis_url, PYTHONUNBUFFERED="1")
    settings_dict = connection.settings_dict
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(Path(settings_dict["NAME"]).resolve())
    else:
        # The same server and role as the run, but the test database pytest-django made.
        parts = urlsplit(os.environ["DATABASE_URL"])
        env["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + str(settings_dict["NAME"])))
    return env


@pytest.fixture
def servers(transactional_db: Any, demo: Any, tmp_path: Path) -> Iterator[list[Server]]:
    processes = Processes(tmp_path)
    try:
        redis_url = os.environ.get("REDIS_URL", "")
        if not redis_url:
            redis_server = shutil.which("redis-server")
            if redis_server is None:
                pytest.fail("redis-server is missing: `make setup` installs it")
            port = free_port()
            redis = processes.start(
                "redis",
                [redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            )
            wait_for_port(port, redis, processes.started[-1].log)
            redis_url = f"redis://127.0.0.1:{port}/0"
        env = server_env(redis_url)
        started: list[Server] = []
        for n in (1, 2):
            port = free_port()
            args = [sys.executable, "scripts/serve.py", "--host", "127.0.0.1", "--port", str(port)]
            process = processes.start(f"server{n}", args, env)
            wait_for_port(port, process, processes.started[-1].log)
            started.append(Server(f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"))
        yield started
    finally:
        processes.stop()
        print(processes.logs())  # shown by pytest when the test failed


def test_a_client_on_one_process_and_a_counsellor_on_another_chat_normally(servers: list[Server], demo: Any) -> None:
    one, two = servers
    youth = demo["desks"]["youth"]
    sockets: list[ProtocolClient] = []
    try:
        # The client opens the chat on process 1.
        client = ProtocolClient(one.ws_url, "/ws/client/")
        sockets.append(client)
        client.hello()
        client.send({"type": "start", "desk": "youth", "nickname": "Across", "person": True})
        conversation = client.wait_for("conversation")["conversation"]["id"]
        assert client.wait_for("queue", conversation=conversation)["position"] == 1
        client.say(conversation, "Hello from process one")

        # The counsellor works on process 2 and sees the queue from the shared database.
        cookie = staff_cookie(HttpClient(), "counsellor", DEMO_PASSWORD)
        counsellor = ProtocolClient(two.ws_url, "/ws/staff/", cookie=cookie)
        sockets.append(counsellor)
        counsellor.hello()
        desk = {"id": youth.pk, "slug": "youth", "name": youth.name}
        snapshot = counsellor.wait_for("desk", desk=desk)
        assert [w["nickname"] for w in snapshot["waiting"]] == ["Across"]

        # A second client arrives on process 1: the counsellor on process 2 sees it live.
        second = ProtocolClient(one.ws_url, "/ws/client/")
        sockets.append(second)
        second.hello()
        second.send({"type": "start", "desk": "youth", "nickname": "Behind", "person": True})
        behind = second.wait_for("conversation")["conversation"]["id"]
        assert second.wait_for("queue", conversation=behind)["position"] == 2
        while [w["nickname"] for w in snapshot["waiting"]] != ["Across", "Behind"]:
            snapshot = counsellor.wait_for("desk", desk=desk, timeout=10)

        # Taking on process 2 reaches both clients on process 1.
        counsellor.send({"type": "take", "desk": youth.pk, "ref": "take"})
        taken = counsellor.wait_for("conversation", ref="take")["conversation"]
        assert (taken["id"], taken["can_write"]) == (conversation, True)
        assert client.wait_for("message", code="joined", timeout=10)["args"] == {"name": "Kalle"}
        assert client.wait_for("conversation", timeout=10)["conversation"]["status"] == "active"
        assert second.wait_for("queue", conversation=behind, timeout=10)["position"] == 1

        # Messages both ways.
        counsellor.send({"type": "resume", "conversation": conversation, "after": 0})
        counsellor.wait_for("synced", conversation=conversation)
        assert "Hello from process one" in [m["body"] for m in messages(counsellor.events, conversation)]
        counsellor.say(conversation, "Hello from process two")
        reply = client.wait_for("message", sender="staff", timeout=10)
        assert (reply["body"], reply["name"]) == ("Hello from process two", "Kalle")
        client.say(conversation, "Nice to meet you")
        assert counsellor.wait_for("message", body="Nice to meet you", timeout=10)["sender"] == "client"

        # Typing and receipts cross too.
        client.send({"type": "typing", "conversation": conversation, "active": True})
        assert counsellor.wait_for("typing", conversation=conversation, timeout=10)["sender"] == "client"
        last = reply["seq"]
        client.send({"type": "seen", "conversation": conversation, "read": last})
        receipt = counsellor.wait_for("receipt", side="client", timeout=10)
        assert receipt["read"] == last
        counsellor.send({"type": "seen", "conversation": conversation, "read": last + 1})
        assert client.wait_for("receipt", side="staff", timeout=10)["read"] == last + 1

        # The counsellor closes on process 2; the client on process 1 sees it end.
        counsellor.send({"type": "close", "conversation": conversation, "outcome": "answered"})
        client.wait_for("message", code="closed", timeout=10)
        assert client.wait_for("conversation", timeout=10)["conversation"]["status"] == "closed"
    finally:
        for s in sockets:
            s.close()
