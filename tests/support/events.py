"""Capturing the protocol events that actions send (after commit) instead of delivering them.

All event delivery goes through one channel layer lookup in the events module
(`send_event` -> `deliver` -> `get_channel_layer()`); this is the one place
that stands in for it, so moving that module means changing the import below.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from common import events as events_module


class EventCapture:
    """Stands in for the channel layer: keeps (group, event) pairs, and notes whether a message was stored.

    `stored_when_sent` has one entry per `message` event: whether its row was
    already in the database when the event left (it must be: events leave after commit).
    """

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.audiences: list[str | None] = []  # the party each event was limited to (common.events)
        self.stored_when_sent: list[bool] = []

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        from asgiref.sync import sync_to_async

        from conversations.models import Message

        event = message["event"]
        self.sent.append((group, event))
        self.audiences.append(message.get("audience"))
        if event["type"] == "message":
            exists = Message.objects.filter(conversation_id=event["conversation"], seq=event["seq"]).exists
            self.stored_when_sent.append(await sync_to_async(exists)())

    @property
    def events(self) -> list[dict[str, Any]]:
        return [event for _group, event in self.sent]

    def clear(self) -> None:
        self.sent.clear()
        self.audiences.clear()
        self.stored_when_sent.clear()

    def kinds(self) -> list[tuple[str, str, str | None]]:
        """(group kind, event type, audience) of each event, e.g. ("conv", "message", None)."""
        return [
            (group.split("-")[0], event["type"], audience)
            for (group, event), audience in zip(self.sent, self.audiences, strict=True)
        ]

    def describe(self) -> str:
        return "\n".join(f"  {group}: {json.dumps(event, default=str)[:300]}" for group, event in self.sent)

    def assert_count(self, expected: int) -> None:
        assert len(self.sent) == expected, f"expected {expected} events, got {len(self.sent)}:\n{self.describe()}"


def use_channel_layer(monkeypatch: Any, layer: Any) -> None:
    """Make the actions send their events to `layer` for the rest of the test (e.g. one that fails)."""
    monkeypatch.setattr(events_module, "get_channel_layer", lambda: layer)


@contextmanager
def capture_events(expected: int | None = None) -> Iterator[EventCapture]:
    """Capture the events sent inside the block; with `expected`, assert how many on the way out.

    Events leave after commit, so a block that runs outside a transaction (or
    commits one) captures them; a block that rolls back captures none.
    """
    capture = EventCapture()
    with mock.patch.object(events_module, "get_channel_layer", lambda: capture):
        yield capture
    if expected is not None:
        capture.assert_count(expected)
