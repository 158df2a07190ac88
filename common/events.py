"""Sending events to connected parties.

Only actions call `send_event`, and the event leaves only after the database
transaction that caused it has committed (`transaction.on_commit`): a party is
never told of something that could still roll back. Channel layers deliver at
most once, so every event is also recoverable from the database by cursor.

Delivery never fails the action that caused it: by the time an event leaves,
its change is committed, so an unreachable channel layer (Redis down) must not
turn a stored message into an error for the sender ("nothing was saved" would
be untrue, and the resend would be answered by the stored copy anyway). The
failure is logged and the other side catches up with `resume`
(docs/architecture.md, "Faults and outages").

Group names (the functions below are the only place they are spelled):
- `conv-<id>`: everybody who has a conversation open (client and staff);
- `convstaff-<id>`: only the staff of a conversation (private notes);
- `desk-<id>`: staff on duty at a desk (queue snapshots);
- `staff-<id>`: one staff member's connections;
- `guest-<id>`: one guest's connections (a conversation's third participant), all closed when they leave;
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Seconds one delivery may take: a channel layer that does not answer (a Redis
# host that drops packets) must not hold the sender.
DELIVERY_TIMEOUT = 2.0

T = TypeVar("T")
# (group, channel-layer message) pairs waiting for a consumer to send them.
Outbox = list[tuple[str, dict[str, Any]]]

_collecting = threading.local()


def conversation_group(conversation_id: int) -> str:
    return f"conv-{conversation_id}"


def conversation_staff_group(conversation_id: int) -> str:
    return f"convstaff-{conversation_id}"


def desk_group(desk_id: int) -> str:
    return f"desk-{desk_id}"


def desk_states_group() -> str:
    """The clients' start pages that follow the desks' open/closed state (docs/protocol.md: `desks`)."""
    return "desk-states"


def staff_group(staff_id: int) -> str:
    return f"staff-{staff_id}"


def guest_group(guest_id: int) -> str:
    """The sockets of one guest (conversations.actions.guests): all closed at once when the guest's part ends."""
    return f"guest-{guest_id}"


def session_group(session_key: str) -> str:
    """The sockets opened with one staff session: all closed when it ends (logout)."""
    return f"session-{session_key}"


def run_collecting(outbox: Outbox, function: Callable[..., T], *args: Any) -> T:
    """Run `function(*args)` with the events it causes collected into `outbox` (see `deliver`)."""
    _collecting.outbox = outbox
    try:
        return function(*args)
    finally:
        _collecting.outbox = None


def _log_undelivered(what: str, exc: Exception) -> bool:
    """Log a failed delivery; True when it was an outage of the channel layer."""
    if isinstance(exc, (RedisError, OSError)):  # OSError covers ConnectionError and TimeoutError
        # Expected now and then, and /health reports it.
        logger.warning("event not delivered (%s): %s", what, type(exc).__name__)
        return True
    # Anything else is a bug: keep the traceback (and still never fail the committed action).
    logger.error("event not delivered (%s)", what, exc_info=exc)
    return False


async def _group_send(layer: Any, group: str, message: dict[str, Any]) -> None:
    await asyncio.wait_for(layer.group_send(group, message), DELIVERY_TIMEOUT)


async def send_outbox(layer: Any, outbox: Outbox) -> None:
    """Send collected events from an event loop; a failing channel layer is logged, never raised.

    The changes behind these events are committed: the party that caused them
    gets its answer (an `ack` is true), and whoever missed an event catches up
    with `resume`.
    """
    for group, message in outbox:
        try:
            await _group_send(layer, group, message)
        except Exception as exc:
            if _log_undelivered(str(message["event"].get("type")), exc):
                return  # the layer is down: the rest would fail (and wait) the same way


def deliver(
    group: str,
    event: Mapping[str, Any],
    exclude_channel: str | None = None,
    audience: str | None = None,
    peer: str | None = None,
) -> None:
    """Hand one event to the channel layer now (call only after the commit).

    Inside `run_collecting` (a consumer's handler) the event is kept for the
    consumer to send from its event loop: blocking the database thread on a
    round trip to the event loop for every event would make every other
    party's database work wait too. Elsewhere it is sent at once; raises when
    the channel layer fails (the callers below log it).
    """
    message = {"type": "relay", "event": event, "exclude": exclude_channel, "audience": audience, "group": group}
    if peer is not None:
        message["peer"] = peer
    outbox: Outbox | None = getattr(_collecting, "outbox", None)
    if outbox is not None:
        outbox.append((group, message))
        return
    layer = get_channel_layer()
    if layer is None:  # pragma: no cover - settings always define one
        return
    async_to_sync(_group_send)(layer, group, message)


def _after_commit(callback: Callable[[], None], what: str) -> None:
    """Run `callback` after commit; a failure is logged, never raised into the committed action."""

    def run() -> None:
        try:
            callback()
        except Exception as exc:
            # The change is stored; parties that missed the event catch up by `resume`.
            _log_undelivered(what, exc)

    transaction.on_commit(run)


def send_event(
    group: str,
    event: Mapping[str, Any],
    *,
    exclude_channel: str | None = None,
    audience: str | None = None,
    peer: str | None = None,
) -> None:
    """Deliver `event` to every connection in `group` once the transaction commits.

    `exclude_channel` keeps an event (such as typing) from echoing back to the
    connection it came from; `audience` (a party: "client" or "staff") limits it
    to that party's sockets, for events that reach the parties in different shapes;
    `peer` (a call's peer id: "client", "staff:<id>", "guest:<id>") to the sockets of
    that one participant (a call's signals: realtime.consumers `peer_id`).
    """
    _after_commit(lambda: deliver(group, event, exclude_channel, audience, peer), str(event.get("type")))


def send_events_after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` (which computes events with `deliver`, e.g. queue snapshots) after commit."""
    _after_commit(callback, getattr(callback, "__name__", "callback"))
