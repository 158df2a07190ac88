"""Calls' tests: a TURN server configured (relay-only desks, the default, need one outside DEBUG)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.chat_helpers import Chat
from tests.wsclient import ProtocolClient

TURN_SECRET = "test-turn-secret"


@pytest.fixture
def turn(settings: Any) -> Any:
    settings.CALL_STUN_URLS = []
    settings.CALL_TURN_URLS = ["turn:127.0.0.1:3478?transport=udp"]
    settings.CALL_TURN_SECRET = TURN_SECRET
    return settings


def in_conversation(chat: Chat) -> tuple[ProtocolClient, ProtocolClient, int]:
    """A client and the counsellor chatting in a youth conversation: (client, counsellor, conversation id)."""
    client = chat.client()
    conversation = chat.start(client, desk="youth")
    counsellor = chat.staff("counsellor")
    chat.take(counsellor, conversation)
    client.wait_for("conversation", timeout=5)
    return client, counsellor, conversation


def system_codes(socket: ProtocolClient, conversation: int) -> list[str]:
    return [
        e["code"]
        for e in socket.events
        if e.get("type") == "message" and e.get("conversation") == conversation and e.get("sender") == "system"
    ]


def has_or_waits(socket: ProtocolClient, wanted: Any, what: str, timeout: float = 5) -> dict[str, Any]:
    """The first event `wanted` accepts, among those already read or those still to come."""
    for event in socket.events:
        if wanted(event):
            return event
    return socket.read_until(wanted, what, timeout)
