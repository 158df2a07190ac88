"""Who may take part in a call: only the conversation's client and counsellor, and only while they may.

A stranger (another client, or staff of the desk who are not the counsellor)
cannot start, answer, signal into or end a call; a signal goes only to the peer
it is addressed to; a counsellor removed from the desk is cut off at once (the
call ends for the client too), and a call whose counsellor moved on (a transfer)
ends.
"""

from __future__ import annotations

from typing import Any

from desks.models import DeskMembership
from tests.calls.conftest import has_or_waits, in_conversation
from tests.chat_helpers import Chat
from tests.wsclient import ProtocolClient

SIGNAL = {"sdp": {"type": "offer", "sdp": "v=0\r\n"}}


def active_call(chat: Chat) -> tuple[ProtocolClient, ProtocolClient, int, int]:
    client, counsellor, conversation = in_conversation(chat)
    call = counsellor.answer({"type": "call_start", "conversation": conversation, "media": "video"})["call"]
    client.wait_for("call", conversation=conversation)
    client.answer({"type": "call_answer", "conversation": conversation, "call": call["id"], "accept": True})
    has_or_waits(counsellor, lambda e: e["type"] == "call" and e["call"]["state"] == "active", "active call")
    return client, counsellor, conversation, int(call["id"])


def frames(conversation: int, call: int, to: str) -> list[dict[str, Any]]:
    return [
        {"type": "call_start", "conversation": conversation, "media": "audio"},
        {"type": "call_answer", "conversation": conversation, "call": call, "accept": True},
        {"type": "call_signal", "conversation": conversation, "call": call, "to": to, "signal": SIGNAL},
        {"type": "call_end", "conversation": conversation, "call": call},
    ]


def test_strangers_cannot_touch_a_call(chat: Chat, turn: Any) -> None:
    client, _counsellor, conversation, call = active_call(chat)
    # Another client: the conversation does not exist for them.
    stranger = chat.client()
    for frame in frames(conversation, call, "client"):
        assert stranger.answer(frame)["code"] == "not_found", frame
    # A colleague at the same desk and a supervisor who see the conversation: not theirs to call in.
    for username in ("counsellor2", "supervisor"):
        colleague = chat.staff(username)
        for frame in frames(conversation, call, "client"):
            assert colleague.answer(frame)["code"] == "forbidden", (username, frame)
    # Nothing reached the client, and the call goes on.
    assert not [e for e in client.drain(0.3) if e["type"] == "call_signal"]
    assert not [e for e in client.events if e["type"] == "call" and e["call"]["state"] == "ended"]


def test_a_signal_reaches_only_the_peer_it_is_addressed_to(chat: Chat, turn: Any, demo: Any) -> None:
    client, counsellor, conversation, call = active_call(chat)
    watcher = chat.staff("supervisor")
    watcher.answer({"type": "resume", "conversation": conversation, "after": 0})
    # To a peer outside the call: refused.
    refused = client.answer(
        {"type": "call_signal", "conversation": conversation, "call": call, "to": "staff:999999", "signal": SIGNAL}
    )
    assert refused["code"] == "forbidden"
    # To oneself: refused.
    assert (
        client.answer(
            {"type": "call_signal", "conversation": conversation, "call": call, "to": "client", "signal": SIGNAL}
        )["code"]
        == "forbidden"
    )
    client.send({"type": "call_signal", "conversation": conversation, "call": call, "to": "staff", "signal": SIGNAL})
    counsellor.wait_for("call_signal", conversation=conversation)
    # The supervisor watching the same conversation heard nothing of it.
    assert not [e for e in watcher.drain(0.3) if e["type"] == "call_signal"]
    # A signal too large, or not a signal: refused.
    huge = {"sdp": {"type": "offer", "sdp": "a" * 13000}}
    assert (
        client.answer(
            {"type": "call_signal", "conversation": conversation, "call": call, "to": "staff", "signal": huge}
        )["code"]
        == "too_large"
    )
    for junk in ({}, {"sdp": {"type": "rollback", "sdp": ""}}, {"candidate": {"candidate": 5}}):
        reply = client.answer(
            {"type": "call_signal", "conversation": conversation, "call": call, "to": "staff", "signal": junk}
        )
        assert reply["code"] == "bad_message", junk


def test_a_counsellor_removed_from_the_desk_is_cut_off(chat: Chat, turn: Any) -> None:
    client, counsellor, conversation, call = active_call(chat)
    DeskMembership.objects.filter(staff__username="counsellor", desk__slug="youth").delete()
    ended = has_or_waits(
        client, lambda e: e["type"] == "call" and e["call"]["state"] == "ended", "the call's end", timeout=5
    )
    assert ended["call"]["end_reason"] == "lost"
    counsellor.wait_for("gone", conversation=conversation)
    reply = counsellor.answer(
        {"type": "call_signal", "conversation": conversation, "call": call, "to": "client", "signal": SIGNAL}
    )
    assert reply["code"] == "not_found"


def test_a_call_ends_when_its_counsellor_transfers_the_conversation_to_a_desk_they_also_see(
    chat: Chat, turn: Any, demo: Any
) -> None:
    client, counsellor, conversation, _call = active_call(chat)
    counsellor.answer({"type": "transfer", "conversation": conversation, "desk": demo.desks.parents.pk})
    ended = has_or_waits(
        client, lambda e: e["type"] == "call" and e["call"]["state"] == "ended", "the call's end", timeout=5
    )
    assert ended["call"]["end_reason"] == "lost"
    has_or_waits(client, lambda e: e.get("code") == "call_lost", "the transcript's line")
