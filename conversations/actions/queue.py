"""A desk's queue: its order, each waiting client's place, and telling parties of changes.

The order itself is one rule (`conversations.models.QUEUE_ORDER`, through
`Conversation.objects.waiting()`); everything here reads the queue through it.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import logging
import math
import os
import statistics
import threading
import time
from collections.abc import Callable, Iterable

from asgiref.sync import SyncToAsync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db.models import Exists, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from bot.engine import SPECIAL_TOPICS
from common.events import (
    Outbox,
    conversation_group,
    conversation_staff_group,
    deliver,
    desk_group,
    desk_states_group,
    run_collecting,
    send_event,
    send_events_after_commit,
    send_outbox,
)
from conversations.actions.duty import desk_answers_now, desk_capacity
from conversations.models import Conversation, Message, SenderKind, Status, Transfer
from conversations.outbound import (
    ActiveItem,
    DeskEvent,
    InboxItem,
    QueueEvent,
    WaitingItem,
    conversation_event,
    desk_ref,
    desks_changed_event,
    queue_event,
    staff_conversation_event,
)
from desks.models import Desk

logger = logging.getLogger(__name__)

# What Staff.public_name reads, for `only()` on the assigned counsellor.
ASSIGNED_NAME_FIELDS = ("assigned_to__id", "assigned_to__display_name", "assigned_to__first_name", "assigned_to__role")


def queue_events(waiting_ids: list[int], estimate: Callable[[int], int | None]) -> list[QueueEvent]:
    """Each waiting conversation's place (1 = next) in a queue listed in its order, with its estimated wait."""
    return [queue_event(pk, place, len(waiting_ids), estimate(place)) for place, pk in enumerate(waiting_ids, start=1)]


def wait_estimates(desk: Desk) -> Callable[[int], int | None]:
    """The estimated wait of each place in `desk`'s queue now (`estimate_wait`; two queries, whatever the queue)."""
    handling = recent_handling_seconds(desk.pk)
    slots, free = desk_capacity(desk)
    return lambda place: estimate_wait(place, handling_seconds=handling, slots=slots, free_slots=free)


def arrival_wait(desk: Desk) -> int | None:
    """The estimated wait of a client who would join `desk`'s queue now (the start page shows it)."""
    return wait_estimates(desk)(Conversation.objects.waiting().filter(desk_id=desk.pk).count() + 1)


def wait_bucket(seconds: int | None) -> int | None:
    """Estimates within the same five minutes look alike on a start page: a change within one is not sent."""
    return None if seconds is None else (seconds + 299) // 300


def queue_position(conversation: Conversation) -> QueueEvent | None:
    """The `queue` event of a waiting conversation (its place, the queue's length, the wait), else None."""
    if conversation.status != Status.QUEUED:
        return None
    queue = list(Conversation.objects.waiting().filter(desk_id=conversation.desk_id).values_list("pk", flat=True))
    if conversation.pk not in queue:
        return None
    events = queue_events(queue, wait_estimates(Desk.objects.get(pk=conversation.desk_id)))
    return next(event for event in events if event["conversation"] == conversation.pk)


# How much of a waiting client's first line the queue shows before a counsellor takes it.
PREVIEW_CHARS = 120


def preview_text(body: str | None) -> str:
    """The start of a client's first line for the queue: at most PREVIEW_CHARS, cut between words.

    Lines are on one row in the queue, so line breaks become spaces.
    """
    text = " ".join((body or "").split())
    if len(text) <= PREVIEW_CHARS:
        return text
    cut = text[:PREVIEW_CHARS]
    space = cut.rfind(" ")
    if space > PREVIEW_CHARS // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:") + "…"


def bot_topics(conversation_ids: list[int]) -> dict[int, list[str]]:
    """The topics the bot answered in each conversation, in the order first reached (one query).

    The special topics (crisis guidance, the hand-off, small talk) are not the
    client's subject; the crisis flag is shown of its own.
    """
    topics: dict[int, list[str]] = {pk: [] for pk in conversation_ids}
    if not conversation_ids:
        return topics
    answers = (
        Message.objects.filter(conversation_id__in=conversation_ids, sender_kind=SenderKind.BOT, code="answer")
        .exclude(args__topic__in=SPECIAL_TOPICS)
        .order_by("conversation_id", "seq")
        .values_list("conversation_id", "args__topic")
    )
    for conversation_id, slug in answers:
        if isinstance(slug, str) and slug and slug not in topics[conversation_id]:
            topics[conversation_id].append(slug)
    return topics


def desk_snapshot(desk: Desk) -> DeskEvent:
    """The `desk` event: who waits (with the start of their first line and the bot's topics) and who is being answered.

    Sent to the desk's staff after every change of its queue, so it is built
    with at most three queries whatever the queue's length (no query per
    conversation): the waiting with their first lines, the bot's topics of
    those waiting (only when somebody waits), and those in progress.
    """
    first_line = (
        Message.objects.filter(conversation_id=OuterRef("pk"), sender_kind=SenderKind.CLIENT)
        .order_by("seq")
        # A little more than shown, so that preview_text knows whether it cut.
        .annotate(start=Substr("body", 1, PREVIEW_CHARS + 1))
        .values("start")[:1]
    )
    # The same line's file, if it sent one (its caption may be empty: the console shows the kind).
    first_file = (
        Message.objects.filter(conversation_id=OuterRef("pk"), sender_kind=SenderKind.CLIENT)
        .order_by("seq")
        .values("attachment__kind")[:1]
    )
    waiting = (
        Conversation.objects.waiting()
        .filter(desk_id=desk.pk)
        .annotate(was_transferred=Exists(Transfer.objects.filter(conversation=OuterRef("pk"))))
        .annotate(first_line=Subquery(first_line), first_file=Subquery(first_file))
        .values(
            "pk",
            "nickname",
            "queued_at",
            "urgent",
            "crisis_at",
            "handoff_reason",
            "offered_to_id",
            "offered_until",
            "was_transferred",
            "language",
            "first_line",
            "first_file",
        )
    )
    active = (
        Conversation.objects.filter(desk_id=desk.pk, status=Status.ACTIVE)
        .select_related("assigned_to")
        .only("pk", "nickname", "urgent", "crisis_at", "last_seq", "created_at", *ASSIGNED_NAME_FIELDS)
        .order_by("created_at")
    )
    waiting_rows = list(waiting)
    now = timezone.now()
    for row in waiting_rows:
        if row["offered_until"] is not None and row["offered_until"] <= now:
            # The offer to the earlier counsellor ran out (Conversation.offer_holds): anyone may take it.
            row["offered_to_id"] = None
    topics = bot_topics([c["pk"] for c in waiting_rows])
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
            "preview": preview_text(c["first_line"]),
            "preview_file": c["first_file"],
            "topics": topics[c["pk"]],
        }
        for c in waiting_rows
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
    return {
        "type": "desk",
        "desk": desk_ref(desk),
        "waiting": waiting_items,
        "active": active_items,
        "messages": inbox_items(desk),
    }


def inbox_items(desk: Desk) -> list[InboxItem]:
    """The desk's inbox: its conversations in status `message`, in one query whatever their number.

    A message waits from the client's first line after the last staff reply
    (so a client writing back puts it first in line again); those with nothing
    waiting follow, newest first.
    """
    lines = Message.objects.filter(conversation_id=OuterRef("pk"))
    latest = lines.filter(sender_kind=SenderKind.CLIENT).order_by("-seq")
    rows = (
        Conversation.objects.filter(desk_id=desk.pk, status=Status.MESSAGE)
        .annotate(
            answered_seq=Coalesce(
                Subquery(lines.filter(sender_kind=SenderKind.STAFF).order_by("-seq").values("seq")[:1]), Value(0)
            )
        )
        .annotate(
            waiting_since=Subquery(
                lines.filter(sender_kind=SenderKind.CLIENT, seq__gt=OuterRef("answered_seq"))
                .order_by("seq")
                .values("created_at")[:1]
            ),
            latest_line=Subquery(latest.annotate(start=Substr("body", 1, PREVIEW_CHARS + 1)).values("start")[:1]),
            latest_file=Subquery(latest.values("attachment__kind")[:1]),
        )
        .select_related("assigned_to")
        .only("pk", "nickname", "urgent", "crisis_at", "language", "created_at", *ASSIGNED_NAME_FIELDS)
    )
    found = list(rows)
    waiting = sorted((c for c in found if c.waiting_since), key=lambda c: (c.waiting_since, c.pk))  # type: ignore[attr-defined]
    answered = sorted((c for c in found if not c.waiting_since), key=lambda c: (c.created_at, c.pk), reverse=True)  # type: ignore[attr-defined]
    items = waiting + answered
    return [
        {
            "id": c.pk,
            "nickname": c.nickname,
            "waiting_since": c.waiting_since.isoformat() if c.waiting_since else None,  # type: ignore[attr-defined]
            "assigned": {"id": c.assigned_to.pk, "name": c.assigned_to.public_name} if c.assigned_to else None,
            "urgent": c.urgent,
            "crisis": c.crisis_at is not None,
            "language": c.language,
            "preview": preview_text(c.latest_line),  # type: ignore[attr-defined]
            "preview_file": c.latest_file,  # type: ignore[attr-defined]
        }
        for c in items
    ]


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop of this server process when called from its database thread (or a view's thread), else None.

    asgiref records it in every thread that runs sync code for the loop (the
    same lookup `async_to_sync` makes); management commands and tests that call
    actions directly have none.
    """
    loop: asyncio.AbstractEventLoop | None = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if loop is None or getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    return loop if loop.is_running() else None


class DeskPublisher:
    """Tells a desk's staff its queue, and waiting clients their places: at most once per desk per interval.

    Why: every start, take, end and crisis changes a queue, and each change used
    to send every counsellor of the desk the whole queue and every waiting
    client its place, so a flood of N starts cost each counsellor N snapshots of
    up to N conversations (megabytes). Now, per desk:
    - the first change after a quiet interval (`CHAT_DESK_UPDATE_SECONDS`) is
      sent at once, from the action's thread as before (the usual single change
      is seen without delay);
    - later changes within the interval only mark the desk, and one snapshot of
      the state as it is then goes at the end of the interval (the trailing
      edge: the last state always arrives);
    - a waiting client gets a `queue` event only when its place or estimated
      wait changed since the last one this process sent (a resume reads them
      afresh).

    The trailing snapshot is timed on the server process's event loop, read in
    its database thread like any frame's work and sent from the loop, which
    works with the in-memory and the Redis channel layer alike. Each process
    coalesces its own changes; with several processes a client's place sent by
    one process is not known to the other, so it may be sent twice (harmless)
    or, rarely, stay stale until the next change or resume. Without an event
    loop (management commands, tests calling actions directly) every change is
    sent at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_sent: dict[int, float] = {}  # desk -> time.monotonic() of its last snapshot
        self._due: set[int] = set()  # desks with a trailing snapshot on the timer
        self._places: dict[int, dict[int, tuple[int, int | None]]] = {}  # desk -> conversation -> (place, wait) sent
        self._arrivals: dict[int, int | None] = {}  # desk -> wait_bucket of a new arrival's wait, last sent
        self._tasks: set[asyncio.Task[None]] = set()  # the running trailing snapshots (kept from the GC)

    def changed(self, desk_ids: Iterable[int]) -> None:
        """The queues of `desk_ids` changed (called after the commit): send now, or at the interval's end."""
        loop = _server_loop()
        interval = settings.CHAT_DESK_UPDATE_SECONDS
        now = time.monotonic()
        send_now: list[int] = []
        with self._lock:
            for desk_id in sorted(set(desk_ids)):
                if loop is None or interval <= 0:
                    send_now.append(desk_id)
                    continue
                if desk_id in self._due:
                    continue  # the trailing snapshot will read this change too
                due = self._last_sent.get(desk_id, float("-inf")) + interval
                if now >= due:
                    self._last_sent[desk_id] = now
                    send_now.append(desk_id)
                else:
                    self._due.add(desk_id)
                    # A context of its own: the action's (asgiref's "inside the database
                    # thread" mark) would make the trailing snapshot refuse that thread.
                    loop.call_soon_threadsafe(self._schedule, loop, desk_id, due - now, context=contextvars.Context())
        if send_now:
            self.publish(send_now)

    def publish(self, desk_ids: list[int]) -> None:
        """Send the desks' snapshots and the places that changed (in a thread that may use the database)."""
        for desk in Desk.objects.filter(pk__in=desk_ids):
            snapshot = desk_snapshot(desk)
            deliver(desk_group(desk.pk), snapshot)
            waiting = [item["id"] for item in snapshot["waiting"]]
            estimate = wait_estimates(desk)
            events = queue_events(waiting, estimate)
            # What a start page shows of the desk: the wait of one more in line (none while the desk does not answer).
            arrival = estimate(len(waiting) + 1) if desk_answers_now(desk) else None
            with self._lock:
                sent = self._places.get(desk.pk, {})
                self._places[desk.pk] = {e["conversation"]: (e["position"], e["wait_seconds"]) for e in events}
                arrival_changed = desk.pk not in self._arrivals or self._arrivals[desk.pk] != wait_bucket(arrival)
                self._arrivals[desk.pk] = wait_bucket(arrival)
            if arrival_changed:
                deliver(desk_states_group(), desks_changed_event({desk.slug: arrival}), audience="client")
            for event in events:
                if sent.get(event["conversation"]) != (event["position"], event["wait_seconds"]):
                    deliver(conversation_group(event["conversation"]), event, audience="client")

    def _schedule(self, loop: asyncio.AbstractEventLoop, desk_id: int, delay: float) -> None:
        """(On the event loop.) Send the desk's snapshot after `delay` seconds."""
        loop.call_later(delay, self._start_trailing, loop, desk_id)

    def _start_trailing(self, loop: asyncio.AbstractEventLoop, desk_id: int) -> None:
        task = loop.create_task(self._trailing(desk_id), context=contextvars.Context())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _trailing(self, desk_id: int) -> None:
        """The snapshot at the end of an interval: read in the database thread, sent from the loop."""
        with self._lock:
            # Changes committed from now on start a new interval: none is lost.
            self._due.discard(desk_id)
            self._last_sent[desk_id] = time.monotonic()
        outbox: Outbox = []
        try:
            await database_sync_to_async(run_collecting)(outbox, self.publish, [desk_id])
        except Exception as exc:
            # The queue is still in the database: the next change (or a reload) shows it.
            # A bug here shows with its traceback where the same `publish` runs at once
            # (the first change of an interval, common.events); a timer has nobody to tell.
            logger.warning("desk snapshot not sent: %s: %s", type(exc).__name__, exc)
        finally:
            await send_outbox(get_channel_layer(), outbox)


DESK_PUBLISHER = DeskPublisher()


def publish_desks(desk_ids: Iterable[int]) -> None:
    """After commit, tell staff the new queue and each waiting client its place (coalesced: DeskPublisher)."""
    ids = sorted(set(desk_ids))

    def publish() -> None:
        DESK_PUBLISHER.changed(ids)

    send_events_after_commit(publish)


def publish_desk_later(desk_id: int, delay: float) -> None:
    """After commit, send the desk's snapshot again in `delay` seconds: a change that comes with time, not an action.

    Why: an offer to a returning client's earlier counsellor runs out at
    `Conversation.offered_until` with nobody acting; the desk's staff learn
    then that anyone may take the conversation. Without the server's event
    loop (management commands, actions called directly) nothing is scheduled:
    the next change or a reload shows it.
    """

    def schedule() -> None:
        loop = _server_loop()
        if loop is not None:
            loop.call_soon_threadsafe(
                DESK_PUBLISHER._schedule, loop, desk_id, max(0.0, delay), context=contextvars.Context()
            )

    send_events_after_commit(schedule)


def publish_state(conversation: Conversation) -> None:
    """Send the new `conversation` state to everybody in it (staff get their own view)."""
    conversation.refresh_from_db()
    send_event(conversation_group(conversation.pk), conversation_event(conversation), audience="client")
    send_event(conversation_staff_group(conversation.pk), staff_conversation_event(conversation), audience="staff")


def recent_handling_seconds(desk_id: int, now: dt.datetime | None = None) -> float:
    """How long a person takes with one of the desk's conversations: the median, in seconds.

    From taking a conversation (`answered_at`) to its close, over the desk's
    conversations closed in the last `QUEUE_ESTIMATE_DAYS` days (the latest
    `QUEUE_ESTIMATE_SAMPLES`). The median, not the mean: one conversation left
    open over a lunch break must not double every estimate. With fewer than
    `QUEUE_ESTIMATE_MIN_SAMPLES` (a new desk, a quiet fortnight)
    `QUEUE_ESTIMATE_DEFAULT_MINUTES`. One query.
    """
    now = now or timezone.now()
    durations = list(
        Conversation.objects.filter(
            desk_id=desk_id,
            status=Status.CLOSED,
            answered_at__isnull=False,
            closed_at__gte=now - dt.timedelta(days=settings.QUEUE_ESTIMATE_DAYS),
        )
        .order_by("-closed_at")
        .values_list("answered_at", "closed_at")[: settings.QUEUE_ESTIMATE_SAMPLES]
    )
    if len(durations) < max(1, settings.QUEUE_ESTIMATE_MIN_SAMPLES):
        return settings.QUEUE_ESTIMATE_DEFAULT_MINUTES * 60
    return statistics.median(
        (closed - answered).total_seconds() for answered, closed in durations if closed and answered
    )


def estimate_wait(place: int, *, handling_seconds: float, slots: int, free_slots: int) -> int | None:
    """The seconds the client at `place` (1 = next) can expect to wait; None when nobody can answer.

    `slots` is how many conversations the counsellors available now take at
    once (the sum of their limits) and `free_slots` how many of those are free.
    The first `free_slots` in the queue are about to be taken (0 s). Everyone
    after them waits for conversations to end: with `slots` conversations going
    on and each taking `handling_seconds`, one ends every
    `handling_seconds / slots` seconds on average, so the client at `place`
    waits for `place - free_slots` of those ends.
    """
    if slots <= 0:
        return None
    behind_free = place - max(0, free_slots)
    if behind_free <= 0:
        return 0
    return math.ceil(behind_free * handling_seconds / slots)
