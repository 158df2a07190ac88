"""Three real WebRTC peers (aiortc): the client, the counsellor and a guest, a small mesh through Kohtaamo's signalling.

The counsellor calls, the client accepts, then the guest (an interpreter who
joined by link) joins the call. As the pages do (static/kohtaamo/call.js), the
newcomer offers to everybody already in the call: the client to the
counsellor, then the guest to the counsellor and to the client. Each pair's
data channel carries a message both ways, so every signal went through the
server to the right peer only.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiortc import RTCPeerConnection, RTCSessionDescription

from tests.calls.test_webrtc_peers import configuration
from tests.chat_helpers import Chat
from tests.guests.helpers import active_conversation, joined_guest
from tests.wsclient import ProtocolClient


async def pair(
    conversation: int,
    call_id: int,
    offerer: tuple[ProtocolClient, dict[str, Any], str],
    answerer: tuple[ProtocolClient, dict[str, Any], str],
) -> tuple[str, str]:
    """Connect two participants through the server: each is (socket, its `ice`, its peer id as the other names it).

    Returns (what the answerer got, what the offerer got) over the pair's data channel.
    """
    (offer_socket, offer_ice, offer_name), (answer_socket, answer_ice, answer_name) = offerer, answerer
    caller = RTCPeerConnection(configuration(offer_ice))
    callee = RTCPeerConnection(configuration(answer_ice))
    loop = asyncio.get_running_loop()
    got_by_answerer: asyncio.Future[str] = loop.create_future()
    got_by_offerer: asyncio.Future[str] = loop.create_future()
    channel = caller.createDataChannel("chat")

    @channel.on("open")
    def opened() -> None:
        channel.send(f"hello from {offer_name}")

    @channel.on("message")
    def back(message: str) -> None:
        if not got_by_offerer.done():
            got_by_offerer.set_result(message)

    @callee.on("datachannel")
    def on_channel(incoming: Any) -> None:
        @incoming.on("message")
        def there(message: str) -> None:
            if not got_by_answerer.done():
                got_by_answerer.set_result(message)
                incoming.send(f"hello from {answer_name}")

    def signal(sender: ProtocolClient, to: str, description: Any) -> None:
        sender.send(
            {
                "type": "call_signal",
                "conversation": conversation,
                "call": call_id,
                "to": to,
                "signal": {"sdp": {"type": description.type, "sdp": description.sdp}},
            }
        )

    try:
        await caller.setLocalDescription(await caller.createOffer())
        signal(offer_socket, answer_name, caller.localDescription)
        offer = await asyncio.to_thread(answer_socket.wait_for, "call_signal", 10, conversation=conversation)
        await callee.setRemoteDescription(RTCSessionDescription(**offer["signal"]["sdp"]))
        await callee.setLocalDescription(await callee.createAnswer())
        signal(answer_socket, offer["from"], callee.localDescription)
        answer = await asyncio.to_thread(offer_socket.wait_for, "call_signal", 10, conversation=conversation)
        assert answer["from"] in (answer_name, "staff")
        await caller.setRemoteDescription(RTCSessionDescription(**answer["signal"]["sdp"]))
        return await asyncio.wait_for(got_by_answerer, 30), await asyncio.wait_for(got_by_offerer, 30)
    finally:
        await caller.close()
        await callee.close()


def test_three_aiortc_peers_make_a_mesh_through_the_signalling(chat: Chat, settings: Any, demo: Any) -> None:
    settings.CALL_STUN_URLS = []
    settings.CALL_TURN_URLS = []
    settings.CALL_TURN_SECRET = ""
    demo.desks.youth.calls_relay_only = False
    demo.desks.youth.save()
    scene = active_conversation(chat)
    guest, guest_socket, _browser = joined_guest(chat, scene)
    conversation = scene.conversation
    staff = f"staff:{demo.staff.counsellor.pk}"
    started = scene.counsellor.answer({"type": "call_start", "conversation": conversation, "media": "audio"})
    call = started["call"]["id"]
    rung = scene.client.wait_for("call", conversation=conversation)
    scene.client.answer({"type": "call_answer", "conversation": conversation, "call": call, "accept": True})
    joined = guest_socket.answer({"type": "call_answer", "conversation": conversation, "call": call, "accept": True})
    assert len(joined["call"]["participants"]) == 3
    ices = {"staff": started["ice"], "client": rung["ice"], "guest": joined["ice"]}
    me = f"guest:{guest}"

    async def mesh() -> list[tuple[str, str]]:
        return [
            # The client (second in the call) offers to the counsellor, whom it names "staff".
            await pair(
                conversation, call, (scene.client, ices["client"], "client"), (scene.counsellor, ices["staff"], "staff")
            ),
            # The guest (the newcomer) offers to both.
            await pair(conversation, call, (guest_socket, ices["guest"], me), (scene.counsellor, ices["staff"], staff)),
            await pair(conversation, call, (guest_socket, ices["guest"], me), (scene.client, ices["client"], "client")),
        ]

    assert asyncio.run(mesh()) == [
        ("hello from client", "hello from staff"),
        (f"hello from {me}", f"hello from {staff}"),
        (f"hello from {me}", "hello from client"),
    ]
