"""Presence over real sockets: the `presence` frame, the desk's `duty` events, and clients told by `desks_changed`.

The demo's youth desk has no hours (always open), so whether it answers
depends only on who is on duty and available.
"""

from __future__ import annotations

from typing import Any

import pytest

from conversations.actions.duty import AVAILABILITY
from duty.models import ConsoleSocket, Presence
from tests.chat_helpers import Chat


@pytest.fixture(autouse=True)
def fresh_availability() -> None:
    # What this process last told clients belongs to an earlier test's database.
    AVAILABILITY.forget()


def duty_of(socket: Any, desk_id: int, predicate: Any, what: str) -> dict[str, Any]:
    return socket.read_until(lambda e: e["type"] == "duty" and e["desk"] == desk_id and predicate(e), what)


def names(event: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["name"], p["status"]) for p in event["staff"]]


def test_presence_frame_sets_my_status_and_the_desk_sees_who_is_on_duty(chat: Chat, demo: Any) -> None:
    youth = demo.desks.youth.pk
    aino = chat.staff("counsellor2", hello=False)
    welcome = aino.hello()
    assert welcome["presence"] == {"status": "available", "max_conversations": 3}
    duty_of(aino, youth, lambda e: names(e) == [("Aino", "available")] and e["answering"], "Aino on duty")

    kalle = chat.staff("counsellor")
    duty_of(aino, youth, lambda e: names(e) == [("Aino", "available"), ("Kalle", "available")], "both on duty")

    reply = kalle.answer({"type": "presence", "status": "busy", "max_conversations": 2})
    assert reply["type"] == "presence"
    assert reply["presence"] == {"status": "busy", "max_conversations": 2}
    assert Presence.objects.get(staff=demo.staff.counsellor).status == "busy"
    duty_of(aino, youth, lambda e: ("Kalle", "busy") in names(e), "Kalle busy")

    kalle.answer({"type": "presence", "status": "away"})
    seen = duty_of(aino, youth, lambda e: names(e) == [("Aino", "available")], "Kalle away, not on duty")
    assert seen["answering"]

    refused = kalle.answer({"type": "presence", "status": "asleep"})
    assert (refused["type"], refused["code"], refused["field"]) == ("error", "bad_message", "status")


def youth_state(client: Any) -> dict[str, Any]:
    """The youth desk as the client's start page is told it now (the `desks` frame)."""
    reply = client.answer({"type": "desks"})
    return next(desk for desk in reply["desks"] if desk["slug"] == "youth")


def test_clients_are_told_when_nobody_can_answer_and_may_still_start(chat: Chat, demo: Any) -> None:
    youth = demo.desks.youth.pk
    kalle = chat.staff("counsellor")
    client = chat.client()
    assert youth_state(client)["answering"]  # and the page follows the desks from now on
    kalle.answer({"type": "presence", "status": "busy"})
    client.read_until(lambda e: e["type"] == "desks_changed", "youth no longer answering")
    state = youth_state(client)
    assert state["open"] and not state["answering"]

    # Still allowed: the client waits in the queue.
    conversation = chat.start(client)
    assert conversation > 0

    kalle.answer({"type": "presence", "status": "available"})
    client.read_until(lambda e: e["type"] == "desks_changed", "youth answering again")
    assert youth_state(client)["answering"]
    # Only a change is told: setting the same status again sends clients nothing.
    kalle.answer({"type": "presence", "status": "available"})
    assert not [e for e in client.drain(0.5) if e["type"] == "desks_changed"]
    duty_of(kalle, youth, lambda e: e["answering"], "answering")


def test_closing_the_console_takes_a_counsellor_off_duty(chat: Chat, demo: Any) -> None:
    youth = demo.desks.youth.pk
    aino = chat.staff("counsellor2")
    kalle = chat.staff("counsellor")
    duty_of(aino, youth, lambda e: ("Kalle", "available") in names(e), "Kalle on duty")
    assert ConsoleSocket.objects.filter(staff=demo.staff.counsellor).count() == 1
    kalle.close()
    duty_of(aino, youth, lambda e: names(e) == [("Aino", "available")], "Kalle gone")
    assert not ConsoleSocket.objects.filter(staff=demo.staff.counsellor).exists()


def test_take_at_the_limit_is_refused_with_a_clear_text(chat: Chat, demo: Any) -> None:
    kalle = chat.staff("counsellor")
    kalle.answer({"type": "presence", "status": "available", "max_conversations": 1})
    first, second = chat.client(), chat.client()
    ids = [chat.start(first, nickname="A"), chat.start(second, nickname="B")]
    chat.take(kalle, ids[0])
    refused = kalle.answer({"type": "take", "conversation": ids[1]})
    assert refused["type"] == "error" and refused["code"] == "at_limit"
    # In the socket's language (Finnish by default): "... which is your limit".
    assert refused["message"].startswith("Sinulla on jo 1 keskustelu käynnissä, mikä on rajasi.")
