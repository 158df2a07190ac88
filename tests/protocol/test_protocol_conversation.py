"""A client and a counsellor chat over the real WebSocket protocol."""

from __future__ import annotations

from typing import Any

from django.test import Client as HttpClient

from demo.data import DEMO_PASSWORD
from tests.support.demo import YOUTH_NAMES
from tests.wsclient import ProtocolClient, staff_cookie


def test_client_and_counsellor_chat(live: Any, demo: Any) -> None:
    client = ProtocolClient(live.ws_url, "/ws/client/")
    client.hello()
    client.send({"type": "start", "desk": "youth", "nickname": "Mimi", "person": True})
    state = client.wait_for("conversation")["conversation"]
    conversation = state["id"]
    assert state["status"] == "queued"
    assert client.wait_for("queue")["position"] == 1
    client.say(conversation, "Hei, onko siellä joku?")

    cookie = staff_cookie(HttpClient(), "counsellor", DEMO_PASSWORD)
    staff = ProtocolClient(live.ws_url, "/ws/staff/", cookie=cookie)
    welcome = staff.hello()
    assert {d["slug"] for d in welcome["desks"]} == {"youth", "parents"}
    snapshot = staff.wait_for(
        "desk", desk={"id": demo["desks"]["youth"].pk, "slug": "youth", "name": "Nuorten chat", "names": YOUTH_NAMES}
    )
    assert [w["nickname"] for w in snapshot["waiting"]] == ["Mimi"]

    staff.send({"type": "take", "desk": demo["desks"]["youth"].pk})
    taken = staff.wait_for("conversation")["conversation"]
    assert taken["can_write"] is True
    staff.send({"type": "resume", "conversation": conversation, "after": 0})
    staff.wait_for("synced")
    bodies = [e["body"] for e in staff.events if e["type"] == "message" and e["sender"] == "client"]
    assert bodies == ["Hei, onko siellä joku?"]

    joined = client.wait_for("message", code="joined")
    assert joined["args"]["name"] == "Kalle"
    staff.say(conversation, "Hei Mimi! Täällä Kalle.")
    reply = client.wait_for("message", sender="staff")
    assert reply["body"] == "Hei Mimi! Täällä Kalle."
    assert reply["name"] == "Kalle"
    client.close()
    staff.close()
