"""Calls with three participants over real sockets: the client, the counsellor and a guest (an interpreter).

Everybody in the conversation is rung; each joins; signals go only between two
participants; a guest leaving leaves the call going; the counsellor hanging up
ends it for all; a removed guest is out of the call at once and gets no signals.
"""

from __future__ import annotations

from typing import Any

from conversations.models import Call
from tests.calls.conftest import has_or_waits, system_codes
from tests.chat_helpers import Chat
from tests.guests.helpers import Scene, active_conversation, joined_guest
from tests.wsclient import ProtocolClient

OFFER = {"sdp": {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"}}


def call_state(socket: ProtocolClient, call: int, state: str, count: int | None = None) -> dict[str, Any]:
    """The `call` event (read or still to come) of `call` in `state`, with `count` participants if given."""

    def wanted(event: dict[str, Any]) -> bool:
        if event.get("type") != "call" or not event.get("call") or event["call"]["id"] != call:
            return False
        return event["call"]["state"] == state and (count is None or len(event["call"]["participants"]) == count)

    return has_or_waits(socket, wanted, f"call {call} {state} ({count})")


def signal(socket: ProtocolClient, scene: Scene, call: int, to: str) -> dict[str, Any]:
    """A signal expected to be refused (a relayed one is answered by nothing)."""
    return socket.answer(
        {"type": "call_signal", "conversation": scene.conversation, "call": call, "to": to, "signal": OFFER}
    )


def three_in_a_call(chat: Chat, demo: Any) -> tuple[Scene, ProtocolClient, int, str, int]:
    """The counsellor calls; the client and the guest join: (scene, guest socket, guest id, staff peer, call id)."""
    scene = active_conversation(chat)
    guest, guest_socket, _browser = joined_guest(chat, scene)
    started = scene.counsellor.answer({"type": "call_start", "conversation": scene.conversation, "media": "video"})
    call = started["call"]["id"]
    assert started["call"]["participants"] == [f"staff:{demo.staff.counsellor.pk}"]
    # Everybody else in the conversation is rung, each with ICE settings of their own.
    for socket in (scene.client, guest_socket):
        ringing = call_state(socket, call, "ringing")
        assert ringing["ice"]["iceServers"][0]["username"]
    accepted = scene.client.answer(
        {"type": "call_answer", "conversation": scene.conversation, "call": call, "accept": True}
    )
    assert accepted["call"]["state"] == "active" and accepted["call"]["participants"] == ["staff", "client"]
    # The guest may still join the active call.
    joined = guest_socket.answer(
        {"type": "call_answer", "conversation": scene.conversation, "call": call, "accept": True}
    )
    assert joined["call"]["participants"][-1] == f"guest:{guest}"
    for socket in (scene.client, scene.counsellor):
        call_state(socket, call, "active", 3)
    return scene, guest_socket, guest, f"staff:{demo.staff.counsellor.pk}", call


def test_three_join_and_signal_only_between_participants(chat: Chat, turn: Any, demo: Any) -> None:
    scene, guest_socket, guest, staff_peer, call = three_in_a_call(chat, demo)
    # The client never sees a staff id, not even in the participants.
    client_view = call_state(scene.client, call, "active", 3)["call"]
    assert client_view["participants"] == ["staff", "client", f"guest:{guest}"]
    assert not any(peer.startswith("staff:") for peer in client_view["participants"])
    # The guest's offer reaches the client, and only the client.
    guest_socket.send(
        {"type": "call_signal", "conversation": scene.conversation, "call": call, "to": "client", "signal": OFFER}
    )
    got = scene.client.wait_for("call_signal", conversation=scene.conversation)
    assert got["from"] == f"guest:{guest}" and got["signal"]["sdp"]["type"] == "offer"
    assert not [e for e in scene.counsellor.drain(0.3) if e["type"] == "call_signal"]
    # The client's offer to the guest, the counsellor's ("staff" to the client) to the guest.
    scene.client.send(
        {
            "type": "call_signal",
            "conversation": scene.conversation,
            "call": call,
            "to": f"guest:{guest}",
            "signal": OFFER,
        }
    )
    assert guest_socket.wait_for("call_signal", conversation=scene.conversation)["from"] == "client"
    scene.counsellor.send(
        {
            "type": "call_signal",
            "conversation": scene.conversation,
            "call": call,
            "to": f"guest:{guest}",
            "signal": OFFER,
        }
    )
    assert guest_socket.wait_for("call_signal", conversation=scene.conversation)["from"] == staff_peer
    assert not [e for e in scene.client.drain(0.3) if e["type"] == "call_signal"]
    # A guest's join is a line of the transcript, with their name: never anything said.
    line = has_or_waits(scene.client, lambda e: e.get("code") == "call_guest_joined", "joined the call")
    assert line["args"]["name"] == "Anna"


def test_a_guest_leaving_leaves_the_call_going_and_the_counsellor_ends_it_for_all(
    chat: Chat, turn: Any, demo: Any
) -> None:
    scene, guest_socket, guest, _staff_peer, call = three_in_a_call(chat, demo)
    left = guest_socket.answer({"type": "call_end", "conversation": scene.conversation, "call": call})
    assert left["call"]["state"] == "active" and f"guest:{guest}" not in left["call"]["participants"]
    for socket in (scene.client, scene.counsellor):
        call_state(socket, call, "active", 2)
        has_or_waits(socket, lambda e: e.get("code") == "call_guest_left", "left the call")
    # Out of the call: the guest may not signal in it any more, nor be signalled.
    refused = signal(guest_socket, scene, call, "client")
    assert refused["type"] == "error" and refused["code"] == "forbidden"
    refused = signal(scene.client, scene, call, f"guest:{guest}")
    assert refused["type"] == "error" and refused["code"] == "forbidden"
    # The guest may come back in while the call is active.
    back = guest_socket.answer(
        {"type": "call_answer", "conversation": scene.conversation, "call": call, "accept": True}
    )
    assert len(back["call"]["participants"]) == 3
    # The counsellor hangs up: the call ends for everybody.
    ended = scene.counsellor.answer({"type": "call_end", "conversation": scene.conversation, "call": call})
    assert ended["call"]["state"] == "ended" and ended["call"]["end_reason"] == "hangup"
    for socket in (scene.client, guest_socket):
        call_state(socket, call, "ended")
    has_or_waits(scene.client, lambda e: e.get("code") == "call_ended", "the call's end")
    codes = system_codes(scene.client, scene.conversation)
    assert codes[-5:] == [
        "call_started_video",
        "call_guest_joined",
        "call_guest_left",
        "call_guest_joined",
        "call_ended",
    ]


def test_a_guest_declining_does_not_end_the_ringing_call(chat: Chat, turn: Any, demo: Any) -> None:
    scene = active_conversation(chat)
    _guest, guest_socket, _browser = joined_guest(chat, scene)
    call = scene.client.answer({"type": "call_start", "conversation": scene.conversation, "media": "audio"})["call"]
    call_state(guest_socket, call["id"], "ringing")
    guest_socket.answer(
        {"type": "call_answer", "conversation": scene.conversation, "call": call["id"], "accept": False}
    )
    assert Call.objects.get(pk=call["id"]).state == "ringing"
    accepted = scene.counsellor.answer(
        {"type": "call_answer", "conversation": scene.conversation, "call": call["id"], "accept": True}
    )
    assert accepted["call"]["state"] == "active"


def test_a_removed_guest_is_out_of_the_call_at_once(chat: Chat, turn: Any, demo: Any) -> None:
    scene, guest_socket, guest, staff_peer, call = three_in_a_call(chat, demo)
    removed = scene.counsellor.answer({"type": "remove_guest", "conversation": scene.conversation, "guest": guest})
    assert removed["type"] == "guests"
    assert guest_socket.wait_for("guest_ended")["reason"] == "removed"
    # The client and the counsellor stay in the call; the guest is out of it at once.
    call_state(scene.client, call, "active", 2)
    assert Call.objects.get(pk=call).participants == [staff_peer, "client"]
    refused = signal(scene.client, scene, call, f"guest:{guest}")
    assert refused["type"] == "error" and refused["code"] == "forbidden"
    assert not [e for e in guest_socket.events if e.get("type") == "call_signal"]  # its socket closed
    codes = system_codes(scene.client, scene.conversation)
    assert "call_guest_left" in codes and codes.index("call_guest_left") < codes.index("guest_removed")


def test_two_left_when_the_guest_goes_then_the_client_hanging_up_ends_it(chat: Chat, turn: Any, demo: Any) -> None:
    """A call of the counsellor and a guest only (the client not yet in) ends when the guest goes: fewer than two."""
    scene = active_conversation(chat)
    guest, guest_socket, _browser = joined_guest(chat, scene)
    call = scene.counsellor.answer({"type": "call_start", "conversation": scene.conversation, "media": "video"})[
        "call"
    ]["id"]
    guest_socket.answer({"type": "call_answer", "conversation": scene.conversation, "call": call, "accept": True})
    left = guest_socket.answer({"type": "call_end", "conversation": scene.conversation, "call": call})
    assert left["call"]["state"] == "ended"
    call_state(scene.client, call, "ended")
    assert f"guest:{guest}" in Call.objects.get(pk=call).participants  # who was in it when it ended


def test_a_guest_who_does_not_come_back_is_only_out_of_the_call(chat: Chat, turn: Any, demo: Any) -> None:
    """A guest's socket lost past CALL_LOST_SECONDS: they are out, the client and the counsellor go on."""
    turn.CALL_LOST_SECONDS = 1
    scene, guest_socket, _guest, staff_peer, call = three_in_a_call(chat, demo)
    guest_socket.close()
    for socket in (scene.client, scene.counsellor):
        call_state(socket, call, "active", 2)
    has_or_waits(scene.counsellor, lambda e: e.get("code") == "call_guest_left", "left the call", timeout=10)
    assert Call.objects.get(pk=call).participants == [staff_peer, "client"]
    assert Call.objects.get(pk=call).gone == {}
