"""A desk's queue: its order, each waiting client's place, and telling parties of changes.

The order itself is one rule (`conversations.models.QUEUE_ORDER`, through
`Conversation.objects.waiting()`); everything here reads the queue through it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef

from common.events import (
    conversation_group,
    conversation_staff_group,
    deliver,
    desk_group,
    send_event,
    send_events_after_commit,
)
from conversations.models import Conversation, Status, Transfer
from conversations.outbound import (
    ActiveItem,
    DeskEvent,
    QueueEvent,
    WaitingItem,
    conversation_event,
    desk_ref,
    queue_event,
    staff_conversation_event,
)
from desks.models import Desk

# What Staff.public_name reads, for `only()` on the assigned counsellor.
ASSIGNED_NAME_FIELDS = ("assigned_to__id", "assigned_to__display_name", "assigned_to__first_name", "assigned_to__role")


def queue_events(waiting_ids: list[int]) -> list[QueueEvent]:
    """Each waiting conversation's place (1 = next) in a queue listed in its order."""
    return [queue_event(pk, place, len(waiting_ids)) for place, pk in enumerate(waiting_ids, start=1)]


def queue_position(conversation: Conversation) -> QueueEvent | None:
    """The `queue` event of a waiting conversation (its place and the queue's length), else None."""
    if conversation.status != Status.QUEUED:
        return None
    queue = list(Conversation.objects.waiting().filter(desk_id=conversation.desk_id).values_list("pk", flat=True))
    return next((event for event in queue_events(queue) if event["conversation"] == conversation.pk), None)


def desk_snapshot(desk: Desk) -> DeskEvent:
    """The `desk` event: who waits and who is being answered.

    Sent to the desk's staff after every change of its queue, so it is built
    with two queries whatever the queue's length (no query per conversation).
    """
    waiting = (
        Conversation.objects.waiting()
        .filter(desk_id=desk.pk)
        .annotate(was_transferred=Exists(Transfer.objects.filter(conversation=OuterRef("pk"))))
        .values(
            "pk",
            "nickname",
            "queued_at",
            "urgent",
            "crisis_at",
            "handoff_reason",
            "offered_to_id",
            "was_transferred",
            "language",
        )
    )
    active = (
        Conversation.objects.filter(desk_id=desk.pk, status=Status.ACTIVE)
        .select_related("assigned_to")
        .only("pk", "nickname", "urgent", "crisis_at", "last_seq", "created_at", *ASSIGNED_NAME_FIELDS)
        .order_by("created_at")
    )
    waiting_items: list[WaitingItem] = [
        {
            "id": c["pk"],
            "nickname": c["nickname"],
            "queued_at": c["queued_at"].isoformat() if c["queued_at"] else None,
            "urgent": c["urgent"],
            "crisis": c["crisis_at"] is not None,
            "handoff_reason": c["handoff_reason"],
            "offered_to": c["offered_to_id"],
            "transferred": c["offered_to_id"] is not None or c["was_transferred"],
            "language": c["language"],
        }
        for c in waiting
    ]
    active_items: list[ActiveItem] = [
        {
            "id": c.pk,
            "nickname": c.nickname,
            "assigned": {"id": c.assigned_to.pk, "name": c.assigned_to.public_name} if c.assigned_to else None,
            "urgent": c.urgent,
            "crisis": c.crisis_at is not None,
            "last_seq": c.last_seq,
        }
        for c in active
    ]
    return {"type": "desk", "desk": desk_ref(desk), "waiting": waiting_items, "active": active_items}


def publish_desks(desk_ids: Iterable[int]) -> None:
    """After commit, tell staff the new queue and each waiting client its place."""
    ids = sorted(set(desk_ids))

    def publish() -> None:
        for desk in Desk.objects.filter(pk__in=ids):
            snapshot = desk_snapshot(desk)
            deliver(desk_group(desk.pk), snapshot)
            for event in queue_events([item["id"] for item in snapshot["waiting"]]):
                deliver(conversation_group(event["conversation"]), event, audience="client")

    send_events_after_commit(publish)


def publish_state(conversation: Conversation) -> None:
    """Send the new `conversation` state to everybody in it (staff get their own view)."""
    conversation.refresh_from_db()
    send_event(conversation_group(conversation.pk), conversation_event(conversation), audience="client")
    send_event(conversation_staff_group(conversation.pk), staff_conversation_event(conversation), audience="staff")
