"""Messages left for a desk over real sockets: closed desk, the inbox, the answer, the client back with its code.

A client who finds nobody answering leaves a message and gets its code at once;
a counsellor of the desk answers it from the inbox (the `messages` of the desk
snapshot) with the live conversations' own take, send, note, transfer and close;
the client comes back from another browser, reads the answer and writes again,
which puts the message back in the inbox as waiting. Other organisations' staff
see none of it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from conversations.actions import codes
from conversations.models import Conversation, Note, Status, Transfer
from conversations.retention import close_idle_conversations
from desks.models import Desk, OpeningPeriod
from stats.models import ContactRecord
from tests.chat_helpers import Chat, messages, new_id, rows
from tests.wsclient import ProtocolClient

# Every test starts with full buckets of code tries (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("fresh_code_limits")


def close_desk(desk: Desk) -> None:
    """Opening hours that are not now: one hour on another weekday."""
    other_day = (timezone.localtime().weekday() + 3) % 7
    OpeningPeriod.objects.create(desk=desk, weekday=other_day, opens=dt.time(9), closes=dt.time(10))


def leave(client: ProtocolClient, desk: str, body: str, nickname: str = "") -> tuple[int, str]:
    """Leave a message; returns the conversation and its code (which follows the conversation's history)."""
    ref = new_id()
    client.send({"type": "leave_message", "desk": desk, "id": new_id(), "body": body, "nickname": nickname, "ref": ref})
    state = client.wait_for("conversation", ref=ref)["conversation"]
    assert state["status"] == "message"
    client.wait_for("synced", conversation=state["id"])
    code = client.wait_for("code", ref=ref)
    return int(state["id"]), str(code["code"])


def inbox(staff: ProtocolClient, desk_id: int) -> list[dict[str, Any]]:
    """The newest inbox of `desk_id` this staff socket has received."""
    staff.drain(0.8)
    snapshots = [e for e in staff.events if e["type"] == "desk" and e["desk"]["id"] == desk_id]
    return list(snapshots[-1]["messages"]) if snapshots else []


def test_a_closed_desk_takes_a_message_and_gives_its_code_at_once(chat: Chat, demo: Any) -> None:
    close_desk(demo.desks.homework)
    client = chat.client()
    refused = client.answer({"type": "start", "desk": "homework", "person": True})
    assert refused["code"] == "desk_closed"
    conversation, code = leave(client, "homework", "  Can someone help with my maths homework?  ", nickname="Mimi")
    lines = messages(client.events, conversation)
    assert [m["code"] or m["sender"] for m in lines] == ["left_message", "client"]
    assert lines[1]["body"] == "Can someone help with my maths homework?"
    row = Conversation.objects.get(pk=conversation)
    assert (row.status, row.nickname, row.assigned_to) == (Status.MESSAGE, "Mimi", None)
    assert codes.conversation_for_code(code) == row
    # An empty message is refused and stores nothing.
    before = rows()
    empty = client.answer({"type": "leave_message", "desk": "homework", "id": new_id(), "body": "   "})
    assert empty["code"] == "bad_message"
    assert rows() == before


def test_a_resent_message_frame_is_stored_once(chat: Chat, demo: Any) -> None:
    client = chat.client()
    frame = {"type": "leave_message", "desk": "homework", "id": new_id(), "body": "Onko joku paikalla?"}
    first = client.answer(frame)
    before = rows()
    # The reply got lost: the page sends the same frame again, and gets the same conversation back.
    again = client.answer(frame)
    assert again["type"] == "conversation" and again["conversation"]["id"] == first["conversation"]["id"]
    assert rows() == before
    assert Conversation.objects.filter(client__conversations=first["conversation"]["id"]).count() == 1


def test_the_inbox_answer_and_the_client_back_from_another_browser(chat: Chat, demo: Any) -> None:
    close_desk(demo.desks.youth)
    counsellor = chat.staff("counsellor")
    other_organisation = chat.staff("studycounsellor")
    youth = demo.desks.youth.pk
    first = chat.client()
    conversation, code = leave(first, "youth", "I feel lonely at school")
    waiting = inbox(counsellor, youth)
    assert [(m["id"], m["preview"]) for m in waiting] == [(conversation, "I feel lonely at school")]
    assert waiting[0]["waiting_since"] is not None and waiting[0]["assigned"] is None
    # Staff of another organisation see nothing of it and cannot take it.
    other_organisation.drain(0.5)
    assert not [e for e in other_organisation.events if e["type"] == "desk" and e["desk"]["id"] == youth]
    assert other_organisation.answer({"type": "take", "conversation": conversation})["code"] == "not_found"

    state = chat.take(counsellor, conversation)
    assert (state["status"], state["can_write"]) == ("message", True)
    counsellor.say(conversation, "Thank you for writing. Tell me more about school?")
    note = counsellor.answer({"type": "note", "conversation": conversation, "id": new_id(), "body": "follow up"})
    assert note["type"] == "ack"
    answered = inbox(counsellor, youth)
    assert answered[0]["waiting_since"] is None
    assert answered[0]["assigned"]["name"] == "Kalle"

    # Days later, from another device: the code brings the whole conversation, the answer included.
    phone = chat.client()
    state = phone.answer({"type": "resume_code", "code": code})
    assert state["type"] == "conversation" and state["conversation"]["status"] == "message"
    phone.wait_for("synced", conversation=conversation)
    bodies = [m["body"] for m in messages(phone.events, conversation)]
    assert "Thank you for writing. Tell me more about school?" in bodies
    phone.say(conversation, "Nobody talks to me in the breaks")
    again = inbox(counsellor, youth)
    assert again[0]["waiting_since"] is not None and again[0]["preview"] == "Nobody talks to me in the breaks"
    assert "Nobody talks to me in the breaks" in [m["body"] for m in messages(counsellor.events, conversation)]
    assert Note.objects.filter(conversation_id=conversation).count() == 1


def test_a_message_is_transferred_to_another_desks_inbox_and_closed_with_a_contact_record(
    chat: Chat, demo: Any
) -> None:
    close_desk(demo.desks.youth)
    close_desk(demo.desks.homework)
    counsellor = chat.staff("counsellor")
    volunteer = chat.staff("volunteer")
    client = chat.client()
    conversation, _code = leave(client, "youth", "How do fractions work?")
    chat.take(counsellor, conversation)
    moved = counsellor.answer(
        {"type": "transfer", "conversation": conversation, "desk": demo.desks.homework.pk, "note": "homework"}
    )
    assert moved["type"] == "conversation", moved  # a closed desk takes a message: nobody waits live
    assert moved["conversation"]["status"] == "message"
    assert Transfer.objects.filter(conversation_id=conversation, to_desk=demo.desks.homework).exists()
    homework_inbox = inbox(volunteer, demo.desks.homework.pk)
    assert [m["id"] for m in homework_inbox] == [conversation]
    assert inbox(counsellor, demo.desks.youth.pk) == []
    chat.take(volunteer, conversation)
    volunteer.say(conversation, "A fraction is a part of a whole.")
    closed = volunteer.answer({"type": "close", "conversation": conversation, "outcome": "answered"})
    assert closed["conversation"]["status"] == "closed"
    assert ContactRecord.objects.filter(conversation_id=conversation).exists()
    client.wait_for("message", conversation=conversation, code="closed")


def test_another_counsellor_of_the_desk_answers_a_message_someone_else_had(chat: Chat, demo: Any) -> None:
    kalle = chat.staff("counsellor")
    aino = chat.staff("counsellor2")
    client = chat.client()
    conversation, _code = leave(client, "youth", "hello?")
    chat.take(kalle, conversation)
    kalle.say(conversation, "Hi! Kalle here.")
    state = chat.take(aino, conversation)  # Kalle is off today
    assert state["assigned"]["name"] == "Aino"
    refused = kalle.answer({"type": "send", "conversation": conversation, "id": new_id(), "body": "still me"})
    assert refused["code"] == "forbidden"
    # A message is not among the conversations a console reopens at its start.
    assert conversation not in chat.staff("counsellor2", hello=False).hello()["conversations"]


def test_a_message_nobody_writes_in_for_30_days_is_closed(chat: Chat) -> None:
    client = chat.client()
    conversation, _code = leave(client, "youth", "anyone?")
    assert close_idle_conversations(timezone.now() + dt.timedelta(days=29)) == 0
    assert close_idle_conversations(timezone.now() + dt.timedelta(days=31)) == 1
    assert Conversation.objects.get(pk=conversation).status == Status.CLOSED


def test_a_message_goes_to_the_live_queue_when_the_desk_answers_now(chat: Chat, demo: Any) -> None:
    close_desk(demo.desks.homework)
    client = chat.client()
    closed, _code = leave(client, "homework", "is anyone there?")
    refused = client.answer({"type": "handoff", "conversation": closed})
    assert refused["code"] == "desk_closed" and "Läksyapu" in refused["message"]  # the hours, in the socket's language
    assert Conversation.objects.get(pk=closed).status == Status.MESSAGE
    # The youth desk has no hours in the tests: people answer there now.
    counsellor = chat.staff("counsellor")
    open_one, _code = leave(client, "youth", "I'd rather chat now")
    client.send({"type": "handoff", "conversation": open_one})
    client.wait_for("queue", conversation=open_one)
    assert Conversation.objects.get(pk=open_one).status == Status.QUEUED
    counsellor.read_until(
        lambda e: e["type"] == "desk" and [w["id"] for w in e["waiting"]] == [open_one], "the client in the queue"
    )
    state = chat.take(counsellor, open_one)
    assert state["status"] == "active"
