"""Guidance over several sessions (issue 13, item 5), over real sockets.

A client who came back with a code asks for the same counsellor when they start
again (`start` with `same_counsellor`, or a message sent to the live queue with
`handoff`): the conversation waits for that counsellor alone while they are on
duty, for SAME_COUNSELLOR_OFFER_SECONDS; then anyone of the desk may take it.
When that counsellor is not on duty the client is told and queued for anyone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from conversations.models import Conversation
from tests.chat_helpers import Chat
from tests.wsclient import ProtocolClient

# Every test starts with full buckets of code tries (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("fresh_code_limits")


def youth(demo: Any) -> int:
    return int(demo["desks"]["youth"].pk)


def returning_client(chat: Chat, kalle: ProtocolClient) -> ProtocolClient:
    return returning_client_and_earlier(chat, kalle)[0]


def returning_client_and_earlier(chat: Chat, kalle: ProtocolClient) -> tuple[ProtocolClient, int]:
    """A client whose conversation Kalle answered, ended, and who comes back in a fresh browser with its code."""
    first = chat.client()
    earlier = chat.start(first, nickname="Mimi")
    chat.take(kalle, earlier)
    code = first.answer({"type": "new_code", "conversation": earlier})["code"]
    first.send({"type": "end", "conversation": earlier})
    first.read_until(
        lambda e: e["type"] == "conversation" and e["conversation"]["status"] == "closed", "the conversation closed"
    )
    back = chat.client()  # another device: a new token
    assert back.answer({"type": "resume_code", "code": code})["type"] == "conversation"
    return back, earlier


def start_again(client: ProtocolClient) -> int:
    client.send({"type": "start", "desk": "youth", "person": True, "same_counsellor": True, "ref": "start"})
    state = client.wait_for("conversation", ref="start")["conversation"]
    return int(state["id"])


def test_a_returning_client_is_offered_to_the_same_counsellor_first_and_to_anyone_after(chat: Chat, demo: Any) -> None:
    kalle, aino = chat.staff("counsellor"), chat.staff("counsellor2")
    client = returning_client(chat, kalle)
    conversation = start_again(client)

    kalle.wait_for("offered", conversation=conversation, returning=True)
    client.wait_for("message", conversation=conversation, code="same_offered", args={"name": "Kalle"})
    row = Conversation.objects.get(pk=conversation)
    assert row.offered_to_id == demo["staff"]["counsellor"].pk
    assert row.offered_until is not None and row.offered_until > timezone.now() + dt.timedelta(seconds=200)

    # While the offer holds, a colleague takes it neither by id nor as "next".
    assert aino.answer({"type": "take", "conversation": conversation})["code"] == "taken"
    assert aino.answer({"type": "take", "desk": youth(demo)})["code"] == "queue_empty"

    # The offer runs out (its time has passed): now anyone of the desk may take it.
    Conversation.objects.filter(pk=conversation).update(offered_until=timezone.now() - dt.timedelta(seconds=1))
    taken = aino.answer({"type": "take", "desk": youth(demo)})
    assert taken["type"] == "conversation" and taken["conversation"]["id"] == conversation
    client.wait_for("message", conversation=conversation, code="joined", args={"name": "Aino"})


def test_the_same_counsellor_takes_it_and_sees_the_earlier_conversation(chat: Chat, demo: Any) -> None:
    kalle = chat.staff("counsellor")
    client, earlier = returning_client_and_earlier(chat, kalle)
    conversation = start_again(client)
    kalle.wait_for("offered", conversation=conversation)
    taken = kalle.answer({"type": "take", "desk": youth(demo)})
    assert taken["conversation"]["id"] == conversation and taken["conversation"]["can_write"] is True
    row = Conversation.objects.get(pk=conversation)
    assert row.offered_to_id is None and row.offered_until is None

    # Opening it, Kalle learns of the earlier session (ids, dates, desk names: the history page has the rest).
    kalle.send({"type": "resume", "conversation": conversation, "after": 0})
    event = kalle.wait_for("earlier", conversation=conversation)
    assert [(e["id"], e["desk"]) for e in event["earlier"]] == [(earlier, demo["desks"]["youth"].name)]
    kalle.wait_for("synced", conversation=conversation)


def test_staff_who_may_not_read_the_earlier_conversation_get_no_link(chat: Chat, demo: Any) -> None:
    kalle = chat.staff("counsellor")
    client = returning_client(chat, kalle)
    conversation = start_again(client)
    kalle.wait_for("offered", conversation=conversation)
    # The first client's first conversation is not in the new one's "earlier" for a desk it never reached,
    # and a conversation with no earlier ones sends no `earlier` at all.
    other = chat.client()
    fresh = chat.start(other)
    aino = chat.staff("counsellor2")
    aino.send({"type": "resume", "conversation": fresh, "after": 0})
    aino.wait_for("synced", conversation=fresh)
    assert not [e for e in aino.events if e["type"] == "earlier"]


def test_when_the_counsellor_is_not_on_duty_the_client_is_told_and_queued_for_anyone(chat: Chat, demo: Any) -> None:
    kalle = chat.staff("counsellor")
    client = returning_client(chat, kalle)
    kalle.close()  # Kalle's console closes: no longer on duty
    aino = chat.staff("counsellor2")
    conversation = start_again(client)

    client.wait_for("message", conversation=conversation, code="same_not_on_duty", args={"name": "Kalle"})
    assert Conversation.objects.get(pk=conversation).offered_to_id is None
    taken = aino.answer({"type": "take", "desk": youth(demo)})
    assert taken["conversation"]["id"] == conversation


def test_without_an_earlier_counsellor_the_wish_changes_nothing(chat: Chat, demo: Any) -> None:
    aino = chat.staff("counsellor2")
    client = chat.client()
    conversation = start_again(client)
    client.wait_for("queue", conversation=conversation)
    assert Conversation.objects.get(pk=conversation).offered_to_id is None
    assert aino.answer({"type": "take", "desk": youth(demo)})["conversation"]["id"] == conversation


def test_a_message_sent_to_the_live_queue_is_offered_to_the_same_counsellor(chat: Chat, demo: Any) -> None:
    kalle = chat.staff("counsellor")
    client = returning_client(chat, kalle)
    client.send({"type": "leave_message", "desk": "youth", "id": "m1", "body": "Hi again", "ref": "leave"})
    conversation = int(client.wait_for("conversation", ref="leave")["conversation"]["id"])
    client.wait_for("code", conversation=conversation)
    client.send({"type": "handoff", "conversation": conversation, "same_counsellor": True})
    kalle.wait_for("offered", conversation=conversation)
    client.wait_for("message", conversation=conversation, code="same_offered", args={"name": "Kalle"})


def test_when_the_offer_runs_out_the_desk_is_told_anyone_may_take_it(chat: Chat, demo: Any, settings: Any) -> None:
    settings.SAME_COUNSELLOR_OFFER_SECONDS = 1  # a tiny offer
    kalle, aino = chat.staff("counsellor"), chat.staff("counsellor2")
    client = returning_client(chat, kalle)
    conversation = start_again(client)
    kalle.wait_for("offered", conversation=conversation)

    def waiting_for(staff_id: int | None) -> Callable[[dict[str, Any]], bool]:
        def check(e: dict[str, Any]) -> bool:
            waiting = [(w["id"], w["offered_to"]) for w in e.get("waiting", [])] if e["type"] == "desk" else []
            return waiting == [(conversation, staff_id)]

        return check

    if not any(waiting_for(kalle_id := demo["staff"]["counsellor"].pk)(e) for e in aino.events):
        aino.read_until(waiting_for(kalle_id), "the youth desk with the conversation offered to Kalle")
    free_for_anyone = waiting_for(None)

    # Without anybody acting, the desk's snapshot comes again once the offer ran out.
    aino.read_until(free_for_anyone, "the youth desk with the conversation free for anyone")
    taken = aino.answer({"type": "take", "desk": youth(demo)})
    assert taken["conversation"]["id"] == conversation
