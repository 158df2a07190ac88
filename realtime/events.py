"""Sending events to connected parties.

Only actions call `send_event`, and the event leaves only after the database
transaction that caused it has committed (`transaction.on_commit`): a party is
never told of something that could still roll back. Channel layers deliver at
most once, so every event is also recoverable from the database by cursor.

Group names:
- `conv-<id>`: everybody who has a conversation open (client and staff);
- `convstaff-<id>`: only the staff of a conversation (private notes);
- `desk-<id>`: staff on duty at a desk (queue snapshots);
- `staff-<id>`: one staff member's connections.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def conversation_group(conversation_id: int) -> str:
    return f"conv-{conversation_id}"


def conversation_staff_group(conversation_id: int) -> str:
    return f"convstaff-{conversation_id}"


def desk_group(desk_id: int) -> str:
    return f"desk-{desk_id}"


def staff_group(staff_id: int) -> str:
    return f"staff-{staff_id}"


def send_event(group: str, event: dict[str, Any], *, exclude_channel: str | None = None) -> None:
    """Deliver `event` to every connection in `group` once the transaction commits.

    `exclude_channel` keeps an event (such as typing) from echoing back to the
    connection it came from.
    """

    def deliver() -> None:
        layer = get_channel_layer()
        if layer is None:  # pragma: no cover - settings always define one
            return
        async_to_sync(layer.group_send)(group, {"type": "relay", "event": event, "exclude": exclude_channel})

    transaction.on_commit(deliver)


def send_events_after_commit(callback: Any) -> None:
    """Run `callback` (which computes events, e.g. queue snapshots) after commit."""
    transaction.on_commit(callback)
