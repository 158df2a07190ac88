"""Helpers for the protocol tests: sockets that close after the test, logins, row counts.

A test opens every socket through one `Chat` (the `chat` fixture of each
protocol test module), so that no socket outlives its test and the database
flush that follows.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.test import Client as HttpClient

from demo.data import DEMO_PASSWORD
from tests.wsclient import ProtocolClient, staff_cookie


def rows() -> dict[str, int]:
    """How many rows the chat tables hold: an error must leave these unchanged."""
    from conversations.models import Client, Conversation, Message, Note, Transfer
    from stats.models import Feedback

    return {
        "feedback": Feedback.objects.count(),
        "clients": Client.objects.count(),
        "conversations": Conversation.objects.count(),
        "messages": Message.objects.count(),
        "notes": Note.objects.count(),
        "transfers": Transfer.objects.count(),
    }


def messages(events: list[dict[str, Any]], conversation: int | None = None) -> list[dict[str, Any]]:
    """The `message` events among `events` (of one conversation, if given), in arrival order."""
    return [
        e for e in events if e.get("type") == "message" and (conversation is None or e["conversation"] == conversation)
    ]


def new_id() -> str:
    return uuid.uuid4().hex


class Chat:
    """Opens protocol sockets against the live server and closes them all afterwards."""

    def __init__(self, live: Any) -> None:
        self.live = live
        self.sockets: list[ProtocolClient] = []
        self.cookies: dict[str, str] = {}

    def connect(self, path: str, *, cookie: str | None = None, origin: str | None = None) -> ProtocolClient:
        socket = ProtocolClient(self.live.ws_url, path, cookie=cookie, origin=origin)
        self.sockets.append(socket)
        return socket

    def client(self, *, token: str | None = None, hello: bool = True) -> ProtocolClient:
        """A client socket, by default past `hello` (with `token`, as that client)."""
        socket = self.connect("/ws/client/")
        if token is not None:
            socket.token = token
        if hello:
            socket.hello()
        return socket

    def login(self, username: str) -> str:
        """The session cookie of `username`, logged in through the real login form (with TOTP where needed).

        Cached per test: the same TOTP code cannot be used twice.
        """
        if username not in self.cookies:
            from accounts.models import Staff

            staff = Staff.objects.get(username=username)
            self.cookies[username] = staff_cookie(HttpClient(), username, DEMO_PASSWORD, otp=staff.requires_2fa)
        return self.cookies[username]

    def staff(self, username: str, *, hello: bool = True) -> ProtocolClient:
        """A staff socket of a demo staff member, by default past `hello` and its desk snapshots."""
        socket = self.connect("/ws/staff/", cookie=self.login(username))
        if hello:
            socket.hello()
            socket.drain(0.2)
        return socket

    def start(self, client: ProtocolClient, desk: str = "youth", nickname: str = "") -> int:
        """Start a conversation as `client` and return its id (once its queue place is known)."""
        client.send({"type": "start", "desk": desk, "nickname": nickname, "person": True, "ref": "start"})
        state = client.wait_for("conversation", ref="start")["conversation"]
        client.wait_for("queue", conversation=state["id"])
        return int(state["id"])

    def take(self, staff: ProtocolClient, conversation: int) -> dict[str, Any]:
        """Take `conversation` as `staff` and resume it; returns the conversation state."""
        ref = new_id()
        staff.send({"type": "take", "conversation": conversation, "ref": ref})
        state = staff.wait_for("conversation", ref=ref)["conversation"]
        staff.send({"type": "resume", "conversation": conversation, "after": 0})
        staff.wait_for("synced", conversation=conversation)
        return dict(state)

    def assert_protocol_followed(self) -> None:
        """Every frame any socket received is documented and complete (conversations.outbound)."""
        from realtime.inbound import Party
        from tests.support.protocol import outbound_problems

        problems = []
        for socket in self.sockets:
            request = socket.ws.request
            path = request.path if request is not None else ""
            party: Party = {"/ws/staff/": "staff", "/ws/guest/": "guest"}.get(path, "client")  # type: ignore[assignment]
            problems += [f"{p}: {e}" for e in socket.events for p in outbound_problems(party, e)]
        assert not problems, "\n".join(problems[:20])

    def close(self) -> None:
        for socket in self.sockets:
            try:
                socket.close()
            except Exception:  # already closed by the server
                pass
        self.sockets.clear()
