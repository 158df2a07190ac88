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
from typing import Any

import pytest
from django.test import Client as HttpClient

from demo.data import DEMO_PASSWORD
from tests.chat_helpers import messages
from tests.processes import Processes, Redis, Server, server_env
from tests.support.demo import YOUTH_NAMES
from tests.wsclient import ProtocolClient, staff_cookie


@pytest.fixture
def servers(transactional_db: Any, demo: Any, processes: Processes) -> list[Server]:
    redis_url = os.environ.get("REDIS_URL", "") or Redis(processes).start().url
    env = server_env(redis_url=redis_url)
    return [Server(processes, f"server{n}", env).start() for n in (1, 2)]


def start_on(server: Server, nickname: str, sockets: list[ProtocolClient]) -> tuple[ProtocolClient, int, int]:
    """A new client on `server` starts a conversation at the youth desk: (socket, conversation, queue position)."""
    client = ProtocolClient(server.ws_url, "/ws/client/")
    sockets.append(client)
    client.hello()
    client.send({"type": "start", "desk": "youth", "nickname": nickname, "person": True})
    conversation = client.wait_for("conversation")["conversation"]["id"]
    return client, conversation, client.wait_for("queue", conversation=conversation)["position"]


def test_a_client_on_one_process_and_a_counsellor_on_another_chat_normally(servers: list[Server], demo: Any) -> None:
    one, two = servers
    youth = demo["desks"]["youth"]
    sockets: list[ProtocolClient] = []
    try:
        # The client opens the chat on process 1.
        client, conversation, position = start_on(one, "Across", sockets)
        assert position == 1
        client.say(conversation, "Hello from process one")

        # The counsellor works on process 2 and sees the queue from the shared database.
        cookie = staff_cookie(HttpClient(), "counsellor", DEMO_PASSWORD)
        counsellor = ProtocolClient(two.ws_url, "/ws/staff/", cookie=cookie)
        sockets.append(counsellor)
        counsellor.hello()
        desk = {"id": youth.pk, "slug": "youth", "name": YOUTH_NAMES["fi"], "names": YOUTH_NAMES}
        snapshot = counsellor.wait_for("desk", desk=desk)
        assert [w["nickname"] for w in snapshot["waiting"]] == ["Across"]

        # A second client arrives on process 1: the counsellor on process 2 sees it live.
        second, behind, position = start_on(one, "Behind", sockets)
        assert position == 2
        while [w["nickname"] for w in snapshot["waiting"]] != ["Across", "Behind"]:
            snapshot = counsellor.wait_for("desk", desk=desk, timeout=10)

        # Taking on process 2 reaches both clients on process 1.
        counsellor.send({"type": "take", "desk": youth.pk, "ref": "take"})
        taken = counsellor.wait_for("conversation", ref="take")["conversation"]
        assert (taken["id"], taken["can_write"]) == (conversation, True)
        assert client.wait_for("message", code="joined", timeout=10)["args"] == {"name": "Kalle"}
        assert client.wait_for("conversation", timeout=10)["conversation"]["status"] == "active"
        # The second client is told it is next (its place 2 may be repeated first: the
        # process that started it re-sends a place the resume already gave, DeskPublisher).
        second.wait_for("queue", conversation=behind, position=1, timeout=10)

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
