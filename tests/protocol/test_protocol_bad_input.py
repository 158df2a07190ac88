"""The protocol refuses bad input cleanly: the right error, nothing stored, the connection still usable.

Point 7 of the issue: malformed frames, wrong types, oversized frames, floods,
frames before `hello`, and one client reaching for another client's conversation.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from conversations.models import Conversation, Message
from tests.chat_helpers import Chat, messages, new_id, rows
from tests.wsclient import ProtocolClient


def error_for(socket: ProtocolClient, frame: dict[str, Any] | str | bytes) -> dict[str, Any]:
    """Send one frame and return the error that answers it."""
    if isinstance(frame, bytes):
        socket.ws.send(frame)
    else:
        socket.send(frame)
    return socket.wait_for("error")


def still_works(socket: ProtocolClient) -> None:
    ref = new_id()
    socket.send({"type": "ping", "ref": ref})
    assert socket.wait_for("pong")["ref"] == ref


def test_frames_that_are_not_json_objects_get_bad_json(chat: Chat) -> None:
    client = chat.client()
    before = rows()
    for raw in ["{", "not json", "[1, 2]", '[{"type": "ping"}]', '"ping"', "42", "null", "", "[" * 5000]:
        assert error_for(client, raw)["code"] == "bad_json", raw
    assert error_for(client, b'{"type": "ping"}')["code"] == "bad_json"
    still_works(client)
    assert rows() == before


def test_unknown_types_get_unknown_type(chat: Chat) -> None:
    client = chat.client()
    staff = chat.staff("counsellor")
    before = rows()
    unknown: list[dict[str, Any]] = [
        {"type": "nonsense"},
        {"type": 5},
        {"type": None},
        {"no_type": True},
        {"type": "X"},
    ]
    for frame in unknown:
        assert error_for(client, frame)["code"] == "unknown_type", frame
    # Staff frames are not client frames, and the other way round.
    error = error_for(client, {"type": "take", "ref": "r1"})
    assert (error["code"], error["ref"]) == ("unknown_type", "r1")
    assert error_for(client, {"type": "close", "conversation": 1, "outcome": "answered"})["code"] == "unknown_type"
    assert error_for(staff, {"type": "start", "desk": "youth"})["code"] == "unknown_type"
    assert error_for(staff, {"type": "end", "conversation": 1})["code"] == "unknown_type"
    still_works(client)
    still_works(staff)
    assert rows() == before


def test_missing_and_wrong_typed_fields_get_bad_message_naming_the_field(chat: Chat) -> None:
    client = chat.client()
    conversation = chat.start(client)
    client.say(conversation, "first")
    before = rows()
    huge = 2**63
    cases: list[tuple[dict[str, Any], str]] = [
        ({"type": "send", "id": new_id(), "body": "x"}, "conversation"),
        ({"type": "send", "conversation": str(conversation), "id": new_id(), "body": "x"}, "conversation"),
        ({"type": "send", "conversation": True, "id": new_id(), "body": "x"}, "conversation"),
        ({"type": "send", "conversation": -1, "id": new_id(), "body": "x"}, "conversation"),
        ({"type": "send", "conversation": huge, "id": new_id(), "body": "x"}, "conversation"),
        ({"type": "send", "conversation": 10**400, "id": new_id(), "body": "x"}, "conversation"),
        ({"type": "send", "conversation": float(conversation), "id": new_id(), "body": "x"}, "conversation"),
        ({"type": "send", "conversation": [conversation], "id": new_id(), "body": "x"}, "conversation"),
        ({"type": "send", "conversation": conversation, "body": "x"}, "id"),
        ({"type": "send", "conversation": conversation, "id": "", "body": "x"}, "id"),
        ({"type": "send", "conversation": conversation, "id": 12345, "body": "x"}, "id"),
        ({"type": "send", "conversation": conversation, "id": "x" * 65, "body": "x"}, "id"),
        ({"type": "send", "conversation": conversation, "id": "line\nbreak", "body": "x"}, "id"),
        ({"type": "send", "conversation": conversation, "id": new_id()}, "body"),
        ({"type": "send", "conversation": conversation, "id": new_id(), "body": 42}, "body"),
        ({"type": "send", "conversation": conversation, "id": new_id(), "body": {"text": "x"}}, "body"),
        ({"type": "send", "conversation": conversation, "id": new_id(), "body": "   \n\t "}, "body"),
        ({"type": "send", "conversation": conversation, "id": new_id(), "body": "nul\x00byte"}, "body"),
        ({"type": "resume", "conversation": conversation}, "after"),
        ({"type": "resume", "conversation": conversation, "after": "0"}, "after"),
        ({"type": "resume", "conversation": conversation, "after": -1}, "after"),
        ({"type": "resume", "conversation": conversation, "after": False}, "after"),
        ({"type": "resume", "conversation": conversation, "after": huge}, "after"),
        ({"type": "typing", "conversation": conversation, "active": "yes"}, "active"),
        ({"type": "typing", "conversation": conversation, "active": 1}, "active"),
        ({"type": "typing", "conversation": conversation}, "active"),
        ({"type": "seen", "conversation": conversation, "read": -5}, "read"),
        ({"type": "seen", "conversation": conversation, "delivered": "2"}, "delivered"),
        ({"type": "seen", "conversation": conversation, "read": True}, "read"),
        ({"type": "end", "conversation": "all"}, "conversation"),
        ({"type": "start"}, "desk"),
        ({"type": "start", "desk": ""}, "desk"),
        ({"type": "start", "desk": "   "}, "desk"),
        ({"type": "start", "desk": 3}, "desk"),
        ({"type": "start", "desk": "no-such-desk"}, "desk"),
        ({"type": "start", "desk": "youth", "nickname": 7}, "nickname"),
        ({"type": "hello", "token": 12345}, "token"),
        ({"type": "ping", "ref": 5}, "ref"),
        ({"type": "ping", "ref": "r" * 65}, "ref"),
    ]
    for frame, field in cases:
        ref = None if field == "ref" else new_id()
        if ref:
            frame = {**frame, "ref": ref}
        error = error_for(client, frame)
        assert (error["code"], error.get("field"), error["ref"]) == ("bad_message", field, ref), frame
        assert error["message"]
    still_works(client)
    assert rows() == before


def test_staff_fields_are_checked_too(chat: Chat, demo: Any) -> None:
    staff = chat.staff("counsellor")
    before = rows()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"type": "take", "conversation": "7"}, "conversation"),
        ({"type": "take", "desk": -2}, "desk"),
        ({"type": "transfer", "conversation": 1}, "desk"),
        ({"type": "transfer", "conversation": 1, "desk": demo["desks"]["youth"].pk, "staff": "Aino"}, "staff"),
        ({"type": "close", "conversation": 1}, "outcome"),
        ({"type": "close", "conversation": 1, "outcome": ""}, "outcome"),
        ({"type": "note", "conversation": 1, "id": new_id(), "body": ""}, "body"),
        ({"type": "step_in", "conversation": None}, "conversation"),
    ]
    for frame, field in cases:
        error = error_for(staff, {**frame, "ref": "r"})
        assert (error["code"], error.get("field"), error["ref"]) == ("bad_message", field, "r"), frame
    still_works(staff)
    assert rows() == before


def test_a_frame_over_16_kib_is_too_large_and_the_connection_goes_on(chat: Chat) -> None:
    client = chat.client()
    conversation = chat.start(client)
    before = rows()
    padded = {"type": "send", "conversation": conversation, "id": new_id(), "body": "hi", "pad": "x" * 16_400}
    assert len(json.dumps(padded).encode()) > 16_384
    assert error_for(client, padded)["code"] == "too_large"
    # Bytes, not characters, count: 6 000 characters of three bytes each are 18 000 bytes.
    wide = {"type": "send", "conversation": conversation, "id": new_id(), "body": "€" * 3_000, "pad": "€" * 3_000}
    assert error_for(client, json.dumps(wide, ensure_ascii=False))["code"] == "too_large"
    still_works(client)
    assert rows() == before
    ack = client.say(conversation, "still here")
    assert ack["seq"] == before["messages"] + 1


def test_a_body_over_4000_characters_is_too_large_and_4000_are_fine(chat: Chat) -> None:
    client = chat.client()
    conversation = chat.start(client)
    before = rows()
    error = error_for(client, {"type": "send", "conversation": conversation, "id": new_id(), "body": "a" * 4001})
    assert (error["code"], error["field"]) == ("too_large", "body")
    assert error_for(client, {"type": "start", "desk": "youth", "nickname": "n" * 41})["code"] == "too_large"
    assert rows() == before
    # 4 000 two-byte characters, sent as browsers send JSON (UTF-8, not \u-escaped), fit in a frame.
    frame = {"type": "send", "conversation": conversation, "id": "wide", "body": "ä" * 4000}
    client.send(json.dumps(frame, ensure_ascii=False))
    assert client.wait_for("ack", id="wide")["seq"] == 2
    stored = Message.objects.get(conversation_id=conversation, sender_kind="client")
    assert stored.body == "ä" * 4000


def test_a_frame_over_64_kib_closes_the_socket_and_stores_nothing(chat: Chat) -> None:
    client = chat.client()
    conversation = chat.start(client)
    before = rows()
    client.send({"type": "send", "conversation": conversation, "id": new_id(), "body": "x" * 70_000})
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            client.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009
    assert rows() == before
    # The client comes back with its token and finds its conversation unchanged.
    again = chat.client(token=client.token)
    again.send({"type": "resume", "conversation": conversation, "after": 0})
    again.wait_for("synced", conversation=conversation)
    assert [m["code"] for m in messages(again.events, conversation)] == ["started"]


def test_frames_before_hello_get_not_ready(chat: Chat, demo: Any) -> None:
    before = rows()
    client = chat.client(hello=False)
    early: list[dict[str, Any]] = [
        {"type": "start", "desk": "youth", "ref": "a"},
        {"type": "resume", "conversation": 1, "after": 0, "ref": "b"},
        {"type": "send", "conversation": 1, "id": new_id(), "body": "hi", "ref": "c"},
        {"type": "end", "conversation": 1, "ref": "d"},
    ]
    for frame in early:
        error = error_for(client, frame)
        assert (error["code"], error["ref"]) == ("not_ready", frame["ref"])
    assert rows() == before
    welcome = client.hello()
    assert welcome["token"] and welcome["conversations"] == []

    staff = chat.staff("counsellor", hello=False)
    error = error_for(staff, {"type": "take", "desk": demo["desks"]["youth"].pk})
    assert error["code"] == "not_ready"
    staff.hello()
    # hello alone stores nothing: the client is saved by its first conversation.
    assert rows() == before


def test_another_clients_conversation_looks_exactly_like_a_missing_one(chat: Chat) -> None:
    owner = chat.client()
    conversation = chat.start(owner, nickname="Owner")
    first = owner.say(conversation, "my secret")
    counsellor = chat.staff("counsellor")
    chat.take(counsellor, conversation)
    counsellor.say(conversation, "hello owner")

    intruder = chat.client()
    missing = Conversation.objects.order_by("-pk").first().pk + 1000  # type: ignore[union-attr]
    state_before = Conversation.objects.values().get(pk=conversation)
    before = rows()
    frames: list[dict[str, Any]] = [
        {"type": "resume", "after": 0},
        {"type": "send", "id": new_id(), "body": "let me in"},
        # The owner's own message id: a duplicate must not reveal the stored message.
        {"type": "send", "id": first["id"], "body": "my secret"},
        {"type": "seen", "delivered": 3, "read": 3},
        {"type": "typing", "active": True},
        {"type": "end"},
    ]
    for frame in frames:
        theirs = error_for(intruder, {**frame, "conversation": conversation, "ref": "x"})
        nobodys = error_for(intruder, {**frame, "conversation": missing, "ref": "x"})
        assert theirs == nobodys, frame
        assert theirs["code"] == "not_found"
    assert rows() == before
    assert Conversation.objects.values().get(pk=conversation) == state_before

    # The conversation goes on, and nothing of it reaches the intruder.
    owner.say(conversation, "still private")
    counsellor.wait_for("message", body="still private")
    owner.send({"type": "typing", "conversation": conversation, "active": True})
    counsellor.wait_for("typing", conversation=conversation)
    got = intruder.drain(0.5)
    assert [e for e in got if e.get("conversation") == conversation] == []
    assert intruder.events[0]["type"] == "welcome"
    assert all(e["type"] == "error" for e in intruder.events[1:])
    assert "my secret" not in json.dumps(intruder.events)


def test_a_flood_is_rate_limited_per_client_token_and_the_socket_recovers(chat: Chat) -> None:
    client = chat.client()
    chat.start(client)  # a client with a conversation: its token now names it on every socket
    total = 260  # test settings allow a burst of 200
    for n in range(total):
        client.send({"type": "ping", "ref": str(n)})
    answers = [client.recv() for _ in range(total)]
    limited = [a for a in answers if a["type"] == "error"]
    assert limited, "a flood must be limited"
    assert {a["code"] for a in limited} == {"rate_limited"}
    assert all(a["retry_after"] > 0 for a in limited)
    assert len([a for a in answers if a["type"] == "pong"]) + len(limited) == total

    # A second socket of the same client shares the limit ...
    second = chat.client(token=client.token)
    for n in range(40):
        second.send({"type": "ping", "ref": f"second-{n}"})
    second_answers = [second.recv() for _ in range(40)]
    assert any(a["type"] == "error" and a["code"] == "rate_limited" for a in second_answers)
    # ... while another client is not held back by it.
    other = chat.client()
    for n in range(40):
        other.send({"type": "ping", "ref": f"other-{n}"})
    assert all(other.recv()["type"] == "pong" for _ in range(40))

    # After waiting as told, the first socket works again.
    time.sleep(max(a["retry_after"] for a in second_answers if a["type"] == "error") + 0.2)
    still_works(client)


def test_html_in_messages_and_nicknames_is_stored_and_returned_verbatim(chat: Chat, demo: Any) -> None:
    nickname = '<script>alert("x")</script>'
    body = "<img src=x onerror=alert(1)> & <b>bold</b> &amp; \"quoted\" 'single'"
    client = chat.client()
    conversation = chat.start(client, nickname=nickname)
    counsellor = chat.staff("counsellor")
    youth = demo["desks"]["youth"].pk
    counsellor.send({"type": "take", "desk": youth})
    assert counsellor.wait_for("conversation")["conversation"]["nickname"] == nickname
    client.say(conversation, body)
    assert client.wait_for("message", sender="client")["body"] == body
    counsellor.send({"type": "resume", "conversation": conversation, "after": 0})
    counsellor.wait_for("synced", conversation=conversation)
    # The live stream and the resume may overlap; a party keeps one message per seq.
    seen = {m["seq"]: m for m in messages(counsellor.events, conversation)}
    assert [m["body"] for m in seen.values() if m["sender"] == "client"] == [body]
    reply = "</script><script>alert('staff')</script>"
    counsellor.say(conversation, reply)
    assert client.wait_for("message", sender="staff")["body"] == reply

    stored = Conversation.objects.get(pk=conversation)
    assert stored.nickname == nickname
    assert list(stored.messages.exclude(sender_kind="system").values_list("body", flat=True)) == [body, reply]


def test_repeating_hello_on_one_socket_does_not_buy_a_fresh_limit(chat: Chat) -> None:
    """The finding: `hello` without a token made a new token, and with it a new bucket, on the same socket."""
    client = chat.client()
    first_token = client.token
    total = 260  # test settings allow a burst of 200
    for n in range(total):
        client.send({"type": "hello", "ref": f"h{n}"} if n % 2 else {"type": "ping", "ref": f"p{n}"})
    answers = [client.recv() for _ in range(total)]
    assert not [a for a in answers if a["type"] == "welcome"], "a second hello must not be welcomed"
    hellos = [a for a in answers if (a.get("ref") or "").startswith("h")]
    assert {a["code"] for a in hellos if a["type"] == "error"} <= {"bad_message", "rate_limited"}
    assert [a for a in answers if a["type"] == "error" and a["code"] == "rate_limited"], "the one bucket ran out"
    assert client.token == first_token
    # Staff sockets too: one welcome per socket.
    kalle = chat.staff("counsellor")
    assert kalle.answer({"type": "hello", "ref": "again"})["code"] == "bad_message"
