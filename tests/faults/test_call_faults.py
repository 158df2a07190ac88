"""Faults during a call (issue 14): the server killed while a call is active.

Real `scripts/serve.py` processes (tests/processes.py) and the protocol parties
of test_faults.py. A killed process runs no socket's `disconnect`, so nothing
records that the call's participants are gone. The promises: parties who come
back find their call still active (the `call` event on resume) and can hang it
up, and the transcript then has one start line and one end line; a call whose
parties never come back ends as lost after `CALL_LOST_SECONDS`
(conversations.actions.call_presence), however long nobody returns.
"""

from __future__ import annotations

import time
from typing import Any

from conversations.models import Call, Message
from tests.faults.test_faults import Party, connect_and_take, health, login
from tests.processes import Processes, Server, server_env, wait_until

# Short, so that the call lost for good ends soon; long enough for the parties to reconnect in.
LOST_SECONDS = 4
CALL_LINES = ("call_started_audio", "call_started_video", "call_ended", "call_lost")


class CallParty(Party):
    """A party that also keeps the `call` events it reads (a resume brings the open call)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[dict[str, Any]] = []

    def take_in(self, event: dict[str, Any]) -> None:
        super().take_in(event)
        if event.get("type") == "call" and event.get("conversation") == self.conversation:
            self.calls.append(event)

    def call_state(self) -> str:
        return str(self.calls[-1]["call"]["state"]) if self.calls else ""


def heard_of_call(party: CallParty) -> None:
    """Read until the party has a `call` event (on resume it follows `synced`, which ends Party.resume)."""
    deadline = time.monotonic() + 10
    while not party.calls and time.monotonic() < deadline:
        party.read(0.2)
    assert party.calls, f"{party.path}: no call on resume"


def server(processes: Processes) -> Server:
    env = server_env()
    env["CALL_LOST_SECONDS"] = str(LOST_SECONDS)
    return Server(processes, "server", env).start()


def active_call(client: CallParty, counsellor: CallParty, conversation: int) -> int:
    """The counsellor calls, the client accepts; both see the call active. Returns the call's id."""
    assert client.socket is not None and counsellor.socket is not None
    counsellor.socket.send({"type": "call_start", "conversation": conversation, "media": "video", "ref": "call"})
    call_id = int(counsellor.wait_for("call", ref="call")["call"]["id"])
    client.wait_for("call", conversation=conversation)
    client.socket.send(
        {"type": "call_answer", "conversation": conversation, "call": call_id, "accept": True, "ref": "answer"}
    )
    assert client.wait_for("call", ref="answer")["call"]["state"] == "active"
    deadline = time.monotonic() + 10
    while counsellor.call_state() != "active" and time.monotonic() < deadline:
        counsellor.read(0.2)
    assert counsellor.call_state() == "active"
    return call_id


def call_lines(conversation: int) -> list[str]:
    return list(
        Message.objects.filter(conversation_id=conversation, code__in=CALL_LINES)
        .order_by("seq")
        .values_list("code", flat=True)
    )


def test_a_call_survives_a_killed_server_and_is_hung_up_once(transactional_db: Any, demo: Any, processes: Processes):
    served = server(processes)
    client = CallParty(served.ws_url, "/ws/client/")
    counsellor = CallParty(served.ws_url, "/ws/staff/", cookie=login(served, "counsellor"))
    try:
        conversation = connect_and_take(client, counsellor)
        call_id = active_call(client, counsellor, conversation)

        served.kill()  # no socket's disconnect runs: nobody is recorded as gone
        served.start()
        client.calls.clear()
        counsellor.calls.clear()
        client.reconnect()
        counsellor.reconnect()
        # The resume brings the call, still active, to both.
        for party in (client, counsellor):
            heard_of_call(party)
            assert (party.calls[-1]["call"]["id"], party.call_state()) == (call_id, "active")
        # Both are back: the call goes on past the time a vanished participant would have ended it.
        deadline = time.monotonic() + 2.5 * LOST_SECONDS
        while time.monotonic() < deadline:
            client.read(0.3)
            counsellor.read(0.3)
        assert Call.objects.get(pk=call_id).state == "active"
        assert client.call_state() == counsellor.call_state() == "active"

        assert counsellor.socket is not None
        counsellor.socket.send({"type": "call_end", "conversation": conversation, "call": call_id, "ref": "end"})
        ended = counsellor.wait_for("call", ref="end")["call"]
        assert (ended["state"], ended["end_reason"]) == ("ended", "hangup")
        wait_until(lambda: client.read(0.2) is not None and client.call_state() == "ended", "the client's call ended")
        assert client.calls[-1]["call"]["end_reason"] == "hangup"
        assert call_lines(conversation) == ["call_started_video", "call_ended"]
    finally:
        client.close()
        counsellor.close()


def test_a_call_whose_parties_never_come_back_ends_as_lost_after_a_restart(
    transactional_db: Any, demo: Any, processes: Processes
):
    served = server(processes)
    client = CallParty(served.ws_url, "/ws/client/")
    counsellor = CallParty(served.ws_url, "/ws/staff/", cookie=login(served, "counsellor"))
    try:
        conversation = connect_and_take(client, counsellor)
        call_id = active_call(client, counsellor, conversation)
        served.kill()  # before the parties go: no socket's disconnect runs, nobody is recorded as gone
    finally:
        client.close()
        counsellor.close()
    assert Call.objects.get(pk=call_id).gone == {}
    served.start()
    health(served)  # a request, as a load balancer's check makes: nobody returns to the call
    wait_until(lambda: Call.objects.get(pk=call_id).state == "ended", "the vanished call to end", timeout=60, every=0.5)
    assert Call.objects.get(pk=call_id).end_reason == "lost"
    assert call_lines(conversation) == ["call_started_video", "call_lost"]
