"""Two real WebRTC peers (aiortc) call each other through Kohtaamo's signalling over real WebSockets.

One peer is the client, the other the counsellor: the counsellor starts the
call, the client accepts, the offer and the answer travel as `call_signal`
frames through the server, and a data channel carries data both ways. The
second test does the same on a relay-only desk with coturn on loopback (its
shared secret as in production): the server drops every non-relay candidate,
so the peers can only meet through the TURN relay, with the credentials the
server handed each of them.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription

from tests.calls.conftest import TURN_SECRET, in_conversation
from tests.chat_helpers import Chat
from tests.wsclient import ProtocolClient


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers_stun(port: int, timeout: float = 20.0) -> None:
    """Wait until coturn answers a STUN binding request on `port` (on a busy machine it takes a while to listen)."""
    request = struct.pack(">HHI", 0x0001, 0, 0x2112A442) + os.urandom(12)
    deadline = time.monotonic() + timeout
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.settimeout(0.2)
        while time.monotonic() < deadline:
            probe.sendto(request, ("127.0.0.1", port))
            try:
                answer, _address = probe.recvfrom(2048)
            except OSError:
                continue
            if answer[8:20] == request[8:20]:
                return
    raise AssertionError(f"coturn does not answer on UDP port {port}")


@pytest.fixture
def coturn(settings: Any) -> Iterator[str]:
    """coturn on loopback in shared-secret mode; the service configured to use it."""
    binary = shutil.which("turnserver")
    assert binary, "coturn (Debian package coturn, in the Makefile's DEBIAN_PACKAGES) is needed"
    port = free_udp_port()
    process = subprocess.Popen(
        [
            binary,
            "-n",  # no configuration file
            "--listening-ip=127.0.0.1",
            "--relay-ip=127.0.0.1",
            f"--listening-port={port}",
            "--min-port=49152",
            "--max-port=65535",
            "--use-auth-secret",
            f"--static-auth-secret={TURN_SECRET}",
            "--realm=kohtaamo.test",
            "--allow-loopback-peers",
            "--no-cli",
            "--no-tls",
            "--no-dtls",
            "--no-tcp-relay",
            "--log-file=stdout",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    answers_stun(port)
    url = f"turn:127.0.0.1:{port}?transport=udp"
    settings.CALL_STUN_URLS = []
    settings.CALL_TURN_URLS = [url]
    settings.CALL_TURN_SECRET = TURN_SECRET
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def configuration(ice: dict[str, Any]) -> RTCConfiguration:
    """The browser's RTCConfiguration from a `call` event's `ice`, for aiortc."""
    servers = [
        RTCIceServer(urls=server["urls"], username=server.get("username"), credential=server.get("credential"))
        for server in ice["iceServers"]
    ]
    return RTCConfiguration(iceServers=servers)


def ringing_call(chat: Chat) -> tuple[ProtocolClient, ProtocolClient, int, dict[str, Any], dict[str, Any], str]:
    """The counsellor calls, the client accepts: (client, counsellor, conversation, call, both `ice`s, staff peer)."""
    client, counsellor, conversation = in_conversation(chat)
    started = counsellor.answer({"type": "call_start", "conversation": conversation, "media": "audio"})
    call = started["call"]
    rung = client.wait_for("call", conversation=conversation)
    client.answer({"type": "call_answer", "conversation": conversation, "call": call["id"], "accept": True})
    ices = {"staff": started["ice"], "client": rung["ice"]}
    return client, counsellor, conversation, call, ices, call["started_by"]


async def talk(
    client: ProtocolClient,
    counsellor: ProtocolClient,
    conversation: int,
    call_id: int,
    ices: dict[str, Any],
    staff: str,
) -> tuple[str, str, list[str]]:
    """Negotiate through the server, send a message each way: (what each got, the chosen remote candidates' types)."""
    caller = RTCPeerConnection(configuration(ices["staff"]))
    callee = RTCPeerConnection(configuration(ices["client"]))
    got_by_client: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    got_by_staff: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    channel = caller.createDataChannel("chat")

    @channel.on("open")
    def opened() -> None:
        channel.send("hello from the counsellor")

    @channel.on("message")
    def from_client(message: str) -> None:
        if not got_by_staff.done():
            got_by_staff.set_result(message)

    @callee.on("datachannel")
    def on_channel(incoming: Any) -> None:
        @incoming.on("message")
        def from_counsellor(message: str) -> None:
            if not got_by_client.done():
                got_by_client.set_result(message)
                incoming.send("hello from the client")

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
        await caller.setLocalDescription(await caller.createOffer())  # gathers every candidate
        signal(counsellor, "client", caller.localDescription)
        offer = await asyncio.to_thread(client.wait_for, "call_signal", 10, conversation=conversation)
        assert offer["from"] == "staff"  # as a client reads its counsellor's peer id
        await callee.setRemoteDescription(RTCSessionDescription(**offer["signal"]["sdp"]))
        await callee.setLocalDescription(await callee.createAnswer())
        signal(client, staff, callee.localDescription)
        answer = await asyncio.to_thread(counsellor.wait_for, "call_signal", 10, conversation=conversation)
        assert answer["from"] == "client"
        await caller.setRemoteDescription(RTCSessionDescription(**answer["signal"]["sdp"]))
        client_got = await asyncio.wait_for(got_by_client, 30)
        staff_got = await asyncio.wait_for(got_by_staff, 30)
        # The candidate pairs the ICE checks chose (aioice's), read from each side: what it sent to.
        kinds: set[str] = set()
        for peer in (caller, callee):
            assert peer.sctp is not None
            nominated = peer.sctp.transport.transport._connection._nominated
            kinds |= {pair.remote_candidate.type for pair in nominated.values()}
        return client_got, staff_got, sorted(kinds)
    finally:
        await caller.close()
        await callee.close()


def test_two_aiortc_peers_call_through_the_signalling(chat: Chat, settings: Any, demo: Any) -> None:
    settings.CALL_STUN_URLS = []
    settings.CALL_TURN_URLS = []
    settings.CALL_TURN_SECRET = ""
    demo.desks.youth.calls_relay_only = False
    demo.desks.youth.save()
    client, counsellor, conversation, call, ices, staff = ringing_call(chat)
    assert not call["relay_only"]
    client_got, staff_got, _kinds = asyncio.run(talk(client, counsellor, conversation, call["id"], ices, staff))
    assert (client_got, staff_got) == ("hello from the counsellor", "hello from the client")
    # Hang up: both sides are told, and the transcript has the call's start and end.
    client.answer({"type": "call_end", "conversation": conversation, "call": call["id"]})
    counsellor.read_until(lambda e: e.get("code") == "call_ended", "the call's end")


def test_a_relay_only_call_goes_through_coturn(chat: Chat, coturn: str) -> None:
    client, counsellor, conversation, call, ices, staff = ringing_call(chat)
    assert call["relay_only"] and ices["client"]["iceServers"][0]["urls"] == [coturn]
    client_got, staff_got, kinds = asyncio.run(talk(client, counsellor, conversation, call["id"], ices, staff))
    assert (client_got, staff_got) == ("hello from the counsellor", "hello from the client")
    # Each side reached the other only at its relay: the server had dropped every other candidate.
    assert kinds == ["relay"]
