"""Every line the server writes for a client is in the client's language: desk names, the greeting,
system lines, closed desks; staff read the same events with desk names in their own language."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from desks.hours import set_hours
from tests.chat_helpers import Chat, messages
from tests.support.demo import DESK_NAMES, YOUTH_NAMES
from tests.wsclient import ProtocolClient

# A few words each greeting has in its language, and a Finnish one it must not have.
GREETING_WORDS = {"sv": "chattbot", "en": "chatbot"}


def closed_for_twelve_hours(desk: Any) -> None:
    """Hours that exclude now: the desk opens in twelve hours, for one hour."""
    opens = (timezone.localtime() + dt.timedelta(hours=12)).replace(second=0, microsecond=0)
    set_hours(desk, [(opens.weekday(), opens.time(), (opens + dt.timedelta(hours=1)).time())])


def client_in(chat: Chat, lang: str) -> ProtocolClient:
    client = chat.client(hello=False)
    client.hello(lang=lang)
    return client


def start(client: ProtocolClient, desk: str, *, person: bool = False) -> dict[str, Any]:
    client.send({"type": "start", "desk": desk, "person": person, "ref": "start"})
    state = client.wait_for("conversation", ref="start")["conversation"]
    client.wait_for("synced", conversation=state["id"])
    return dict(state)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_client_reads_the_desk_the_greeting_and_system_lines_in_their_language(
    chat: Chat, demo: Any, lang: str
) -> None:
    kalle = chat.staff("counsellor")  # a Finnish console
    english_admin = chat.staff("admin", hello=False)
    english_admin.hello(lang="en")
    client = client_in(chat, lang)
    state = start(client, "youth")
    conversation = state["id"]
    name = YOUTH_NAMES[lang]
    assert state["desk"]["name"] == name

    lines = messages(client.events, conversation)
    started, greeting = lines[0], lines[1]
    assert (started["code"], started["args"]["desk"]) == ("started", name)
    assert greeting["code"] == "greeting" and name in greeting["body"]
    assert GREETING_WORDS[lang] in greeting["body"] and "Nuorten chat" not in greeting["body"]
    assert "Hei" not in greeting["body"] and "vastaan" not in greeting["body"]

    # Asking for a person: the queue line names the desk in the client's language ...
    client.send({"type": "handoff", "conversation": conversation})
    handed = client.wait_for("message", conversation=conversation, code="handed_off")
    assert handed["args"]["desk"] == name
    assert client.wait_for("conversation")["conversation"]["desk"]["name"] == name
    # ... and each counsellor sees the desk in their own: the same events, localised per socket.
    assert waiting_at(kalle, conversation)["desk"] == {**desk_ref_of(demo, "youth"), "name": YOUTH_NAMES["fi"]}
    assert waiting_at(english_admin, conversation)["desk"] == {**desk_ref_of(demo, "youth"), "name": YOUTH_NAMES["en"]}
    assert {d["name"] for d in english_admin.events[0]["desks"]} >= {YOUTH_NAMES["en"], DESK_NAMES["parents"]["en"]}

    chat.take(kalle, conversation)
    started_for_staff = next(m for m in messages(kalle.events, conversation) if m["code"] == "started")
    assert started_for_staff["args"]["desk"] == YOUTH_NAMES["fi"]


def waiting_at(staff: ProtocolClient, conversation: int) -> dict[str, Any]:
    """The first desk snapshot (received already or still coming) where `conversation` waits."""
    for event in staff.events:
        if event["type"] == "desk" and conversation in [w["id"] for w in event["waiting"]]:
            return event
    while True:
        event = staff.wait_for("desk")
        if conversation in [w["id"] for w in event["waiting"]]:
            return event


def desk_ref_of(demo: Any, slug: str) -> dict[str, Any]:
    """A demo desk's reference in events, without its `name` (which depends on the reader)."""
    return {"id": demo["desks"][slug].pk, "slug": slug, "names": DESK_NAMES[slug]}


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_a_closed_desk_speaks_the_clients_language(chat: Chat, demo: Any, lang: str) -> None:
    parents, homework = demo["desks"]["parents"], demo["desks"]["homework"]
    closed_for_twelve_hours(parents)
    closed_for_twelve_hours(homework)
    client = client_in(chat, lang)

    conversation = start(client, "parents")["id"]
    greeting = messages(client.events, conversation)[-1]
    assert DESK_NAMES["parents"][lang] in greeting["body"]
    client.send({"type": "handoff", "conversation": conversation})
    closed = client.wait_for("message", conversation=conversation, sender="bot", code="desk_closed")
    closed_message = {"fi": parents.closed_message_fi, "sv": parents.closed_message_sv, "en": parents.closed_message_en}
    assert closed_message[lang] in closed["body"] and DESK_NAMES["parents"][lang] in closed["body"]
    for other in {"fi", "sv", "en"} - {lang}:
        assert closed_message[other] not in closed["body"]

    refused = client.answer({"type": "start", "desk": "homework", "person": True})
    assert refused["code"] == "desk_closed" and DESK_NAMES["homework"][lang] in refused["message"]
