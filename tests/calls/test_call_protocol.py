"""Calls over real sockets: ringing, answering, signals to one peer only, hanging up, the transcript's lines."""

from __future__ import annotations

from typing import Any

import pytest

from conversations.models import Call
from tests.calls.conftest import has_or_waits, in_conversation, system_codes
from tests.chat_helpers import Chat

OFFER_SDP = (
    "v=0\r\no=- 1 2 IN IP4 192.168.1.20\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 192.168.1.20\r\n"
    "a=candidate:1 1 udp 2122260223 192.168.1.20 54400 typ host\r\n"
    "a=candidate:3 1 udp 41885439 198.51.100.7 61000 typ relay raddr 84.250.10.20 rport 54400\r\n"
)


def start_call(socket: Any, conversation: int, media: str = "video") -> dict[str, Any]:
    reply = socket.answer({"type": "call_start", "conversation": conversation, "media": media})
    assert reply["type"] == "call", reply
    return reply


def test_a_video_call_from_ringing_to_hang_up(chat: Chat, turn: Any, demo: Any) -> None:
    client, counsellor, conversation = in_conversation(chat)
    staff_peer = f"staff:{demo.staff.counsellor.pk}"
    started = start_call(counsellor, conversation)
    call = started["call"]
    assert call["state"] == "ringing" and call["started_by"] == staff_peer and call["relay_only"]
    # The counsellor's own reply carries their ICE settings: relay only, fresh TURN credentials.
    assert started["ice"]["iceTransportPolicy"] == "relay"
    assert started["ice"]["iceServers"][0]["username"]
    ringing = client.wait_for("call", conversation=conversation)
    assert ringing["call"]["id"] == call["id"] and ringing["ice"]["iceTransportPolicy"] == "relay"
    # A client never sees a staff id: its counsellor is "staff" in a call too.
    assert ringing["call"]["started_by"] == "staff"
    assert ringing["ice"]["iceServers"][0]["username"] != started["ice"]["iceServers"][0]["username"]

    accepted = client.answer({"type": "call_answer", "conversation": conversation, "call": call["id"], "accept": True})
    assert accepted["call"]["state"] == "active" and accepted["call"]["answered_by"] == "client"
    has_or_waits(counsellor, lambda e: e["type"] == "call" and e["call"]["state"] == "active", "active call")

    # The counsellor's offer reaches the client only, with the client... and the counsellor's host address gone.
    counsellor.send(
        {
            "type": "call_signal",
            "conversation": conversation,
            "call": call["id"],
            "to": "client",
            "signal": {"sdp": {"type": "offer", "sdp": OFFER_SDP}},
        }
    )
    offer = client.wait_for("call_signal", conversation=conversation)
    assert offer["from"] == "staff"
    sdp = offer["signal"]["sdp"]["sdp"]
    assert "typ relay" in sdp and "192.168.1.20" not in sdp and "84.250.10.20" not in sdp
    # A trickled host candidate is dropped on a relay-only call; a relay one goes through.
    for line in ("candidate:1 1 udp 2122260223 10.0.0.5 5000 typ host", OFFER_SDP.split("a=")[-1].strip()):
        client.send(
            {
                "type": "call_signal",
                "conversation": conversation,
                "call": call["id"],
                "to": "staff",
                "signal": {"candidate": {"candidate": line, "sdpMid": "0", "sdpMLineIndex": 0}},
            }
        )
    relayed = counsellor.wait_for("call_signal", conversation=conversation)
    assert "typ relay" in relayed["signal"]["candidate"]["candidate"]
    assert not [e for e in counsellor.drain(0.3) if e["type"] == "call_signal"]

    ended = client.answer({"type": "call_end", "conversation": conversation, "call": call["id"]})
    assert ended["call"]["state"] == "ended" and ended["call"]["end_reason"] == "hangup"
    has_or_waits(counsellor, lambda e: e["type"] == "call" and e["call"]["state"] == "ended", "ended call")
    for socket in (client, counsellor):
        has_or_waits(socket, lambda e: e.get("code") == "call_ended", "the call's end in the transcript")
        assert system_codes(socket, conversation)[-2:] == ["call_started_video", "call_ended"]
    ended_line = next(e for e in client.events if e.get("code") == "call_ended")
    assert set(ended_line["args"]) == {"length"} and ended_line["body"] == ""
    # A new call can start after it.
    assert start_call(client, conversation, "audio")["call"]["started_by"] == "client"


def test_declined_missed_and_one_call_at_a_time(chat: Chat, turn: Any) -> None:
    turn.CALL_RING_SECONDS = 1
    client, counsellor, conversation = in_conversation(chat)
    call = start_call(client, conversation, "audio")["call"]
    busy = counsellor.answer({"type": "call_start", "conversation": conversation, "media": "video"})
    assert busy["type"] == "error" and busy["code"] == "busy"
    # The caller cannot answer their own call.
    own = client.answer({"type": "call_answer", "conversation": conversation, "call": call["id"], "accept": True})
    assert own["code"] == "forbidden"
    counsellor.answer({"type": "call_answer", "conversation": conversation, "call": call["id"], "accept": False})
    has_or_waits(client, lambda e: e.get("code") == "call_declined", "declined line")
    # Nobody answers the next one: missed after CALL_RING_SECONDS.
    second = start_call(counsellor, conversation)["call"]
    missed = has_or_waits(
        client,
        lambda e: e["type"] == "call" and e["call"]["id"] == second["id"] and e["call"]["state"] == "ended",
        "missed call",
        timeout=10,
    )
    assert missed["call"]["end_reason"] == "missed"
    has_or_waits(client, lambda e: e.get("code") == "call_missed", "missed line")
    has_or_waits(counsellor, lambda e: e.get("code") == "call_declined", "declined line")


def test_a_reload_sees_the_call_and_a_lost_peer_ends_it(chat: Chat, turn: Any) -> None:
    turn.CALL_LOST_SECONDS = 1
    client, counsellor, conversation = in_conversation(chat)
    call = start_call(counsellor, conversation)["call"]
    client.wait_for("call", conversation=conversation)
    client.answer({"type": "call_answer", "conversation": conversation, "call": call["id"], "accept": True})
    # A reload: the new socket's resume carries the active call (and the peer is back in time).
    client.close()
    again = chat.client(token=client.token)
    again.send({"type": "resume", "conversation": conversation, "after": 0, "ref": "r"})
    state = again.wait_for("call", conversation=conversation)
    assert state["call"]["state"] == "active" and state["ice"]["iceTransportPolicy"] == "relay"
    # Gone for good: the call ends as lost for the other side.
    again.close()
    ended = has_or_waits(
        counsellor, lambda e: e["type"] == "call" and e["call"]["state"] == "ended", "lost call", timeout=10
    )
    assert ended["call"]["end_reason"] == "lost"
    has_or_waits(counsellor, lambda e: e.get("code") == "call_lost", "lost line")


def test_closing_the_conversation_ends_its_call(chat: Chat, turn: Any) -> None:
    client, counsellor, conversation = in_conversation(chat)
    call = start_call(client, conversation)["call"]
    counsellor.answer({"type": "call_answer", "conversation": conversation, "call": call["id"], "accept": True})
    counsellor.answer({"type": "close", "conversation": conversation, "outcome": "answered"})
    ended = has_or_waits(client, lambda e: e["type"] == "call" and e["call"]["state"] == "ended", "ended call")
    assert ended["call"]["end_reason"] == "closed"
    assert Call.objects.get(pk=call["id"]).end_reason == "closed"


@pytest.mark.parametrize("debug", [False, True])
def test_a_relay_only_desk_without_turn(chat: Chat, settings: Any, debug: bool) -> None:
    """Refused in production; allowed (without the relay) under DEBUG, so `make run` works on loopback."""
    settings.CALL_TURN_URLS = []
    settings.CALL_TURN_SECRET = ""
    settings.DEBUG = debug
    client, _counsellor, conversation = in_conversation(chat)
    reply = client.answer({"type": "call_start", "conversation": conversation, "media": "audio"})
    if debug:
        assert reply["type"] == "call" and reply["call"]["relay_only"] is False
        assert reply["ice"] == {"iceServers": [], "iceTransportPolicy": "all"}
    else:
        assert reply["type"] == "error" and reply["code"] == "call_unavailable"
        assert not Call.objects.exists()


def test_a_desk_that_is_not_relay_only(chat: Chat, turn: Any, demo: Any) -> None:
    demo.desks.youth.calls_relay_only = False
    demo.desks.youth.save()
    _client, counsellor, conversation = in_conversation(chat)
    reply = start_call(counsellor, conversation, "audio")
    assert reply["call"]["relay_only"] is False and reply["ice"]["iceTransportPolicy"] == "all"
