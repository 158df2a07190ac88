"""A waiting client's estimated wait: the desk's recent handling times and the counsellors free now.

The last test follows it over real sockets as counsellors come, take and go busy.

The estimate is checked against the same figures computed directly from the
conversations the test made, under a frozen clock.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from freezegun import freeze_time

from conversations.actions.queue import estimate_wait, recent_handling_seconds
from conversations.models import Status
from tests.chat_helpers import Chat
from tests.support.factories import ConversationFactory, DeskFactory

NOW = dt.datetime(2026, 12, 7, 18, 0, tzinfo=dt.UTC)


def closed(desk: object, *, minutes: float, closed_ago: dt.timedelta) -> None:
    """A conversation of `desk` a person took and closed `closed_ago` before NOW after `minutes`."""
    closed_at = NOW - closed_ago
    ConversationFactory.create(
        desk=desk,
        status=Status.CLOSED,
        answered_at=closed_at - dt.timedelta(minutes=minutes),
        closed_at=closed_at,
    )


@pytest.mark.django_db
@freeze_time(NOW)
def test_the_handling_time_is_the_median_of_the_desks_recent_conversations() -> None:
    desk, other = DeskFactory.create(), DeskFactory.create()
    minutes = [4, 7, 9, 12, 30, 95]  # one left open over a break must not pull the estimate
    for index, length in enumerate(minutes):
        closed(desk, minutes=length, closed_ago=dt.timedelta(hours=index + 1))
    closed(desk, minutes=500, closed_ago=dt.timedelta(days=15))  # older than the window
    closed(other, minutes=1, closed_ago=dt.timedelta(hours=1))  # another desk's
    ConversationFactory.create(
        desk=desk, status=Status.ACTIVE, answered_at=NOW - dt.timedelta(hours=3)
    )  # still going on
    ConversationFactory.create(desk=desk, status=Status.CLOSED, answered_at=None, closed_at=NOW)  # nobody took it

    assert recent_handling_seconds(desk.pk) == statistics.median(m * 60 for m in minutes)


@pytest.mark.django_db
@freeze_time(NOW)
@override_settings(QUEUE_ESTIMATE_MIN_SAMPLES=5, QUEUE_ESTIMATE_DEFAULT_MINUTES=12)
def test_a_desk_with_too_few_recent_conversations_takes_the_default() -> None:
    desk = DeskFactory.create()
    for hours in range(4):
        closed(desk, minutes=2, closed_ago=dt.timedelta(hours=hours + 1))

    assert recent_handling_seconds(desk.pk) == 12 * 60


@pytest.mark.django_db
@freeze_time(NOW)
@override_settings(QUEUE_ESTIMATE_SAMPLES=3)
def test_only_the_latest_conversations_count() -> None:
    desk = DeskFactory.create()
    for hours, minutes in [(1, 10), (2, 10), (3, 10), (4, 60), (5, 60)]:
        closed(desk, minutes=minutes, closed_ago=dt.timedelta(hours=hours))

    with override_settings(QUEUE_ESTIMATE_MIN_SAMPLES=3):
        assert recent_handling_seconds(desk.pk) == 600


@pytest.mark.parametrize(
    ("place", "slots", "free_slots"),
    [(1, 1, 0), (1, 1, 1), (2, 1, 1), (3, 2, 0), (5, 3, 1), (10, 4, 2), (1, 6, 6), (7, 6, 6)],
)
def test_the_estimate_matches_a_direct_computation(place: int, slots: int, free_slots: int) -> None:
    handling = 14 * 60
    # Directly: the first free_slots in line are taken at once; the others wait for
    # conversations to end, one every handling / slots seconds.
    ends = [handling / slots * n for n in range(1, place + 1)]
    expected = 0 if place <= free_slots else math.ceil(ends[place - free_slots - 1])

    assert estimate_wait(place, handling_seconds=handling, slots=slots, free_slots=free_slots) == expected


def test_there_is_no_estimate_when_nobody_can_answer() -> None:
    assert estimate_wait(1, handling_seconds=600, slots=0, free_slots=0) is None


def test_a_waiting_client_sees_its_estimated_wait_follow_the_counsellors_on_duty(chat: Chat, demo: Any) -> None:
    # No conversation of the desk closed lately: the default handling time.
    handling = settings.QUEUE_ESTIMATE_DEFAULT_MINUTES * 60
    first, second = chat.client(), chat.client()
    ids = [chat.start(first, nickname="A"), chat.start(second, nickname="B")]
    # Nobody has the console open: no estimate.
    assert first.events[-1]["wait_seconds"] is None

    kalle = chat.staff("counsellor")
    # Kalle's three places (the default limit), all free: both are next.
    second.read_until(lambda e: e["type"] == "queue" and e["wait_seconds"] == 0, "no wait: free places")
    kalle.answer({"type": "presence", "status": "available", "max_conversations": 1})
    # One place, free: the first is next; the second waits for one conversation to end.
    expected = estimate_wait(2, handling_seconds=handling, slots=1, free_slots=1)
    assert expected == math.ceil(handling)
    second.read_until(lambda e: e["type"] == "queue" and e["wait_seconds"] == expected, "one conversation to end")

    chat.take(kalle, ids[0])
    moved = second.read_until(lambda e: e["type"] == "queue" and e["position"] == 1, "the second moves up")
    assert moved["wait_seconds"] == math.ceil(handling)  # Kalle's one place is taken: one conversation to end

    kalle.answer({"type": "presence", "status": "busy"})
    second.read_until(lambda e: e["type"] == "queue" and e["wait_seconds"] is None, "no estimate: nobody available")


def test_a_start_page_shows_roughly_how_long_a_new_client_would_wait(chat: Chat, demo: Any) -> None:
    handling = settings.QUEUE_ESTIMATE_DEFAULT_MINUTES * 60
    page = chat.client()
    youth = next(d for d in page.answer({"type": "desks"})["desks"] if d["slug"] == "youth")
    assert youth["wait_seconds"] is None  # nobody on duty: no estimate (the page says nobody can answer)

    kalle = chat.staff("counsellor")
    kalle.answer({"type": "presence", "status": "available", "max_conversations": 1})
    chat.start(chat.client())  # one waits, Kalle's one place is free: one more would wait one conversation
    expected = estimate_wait(2, handling_seconds=handling, slots=1, free_slots=1)
    told = page.read_until(
        lambda e: e["type"] == "desks_changed" and e.get("waits", {}).get("youth") == expected, "the new wait"
    )
    assert set(told["waits"]) == {"youth"}
    youth = next(d for d in page.answer({"type": "desks"})["desks"] if d["slug"] == "youth")
    assert youth["answering"] and youth["wait_seconds"] == expected
