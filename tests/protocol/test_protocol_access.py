"""Who may see and do what over the staff socket, and who may not open it at all."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client as HttpClient
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from conversations.models import Conversation
from demo.data import DEMO_PASSWORD
from tests.chat_helpers import Chat, messages, new_id, rows
from tests.wsclient import ProtocolClient


def close_code(chat: Chat, path: str, cookie: str | None = None) -> int:
    """Open a socket and return the code the server closes it with before any frame."""
    socket = chat.connect(path, cookie=cookie)
    with pytest.raises(ConnectionClosed) as closed:
        socket.recv(timeout=5)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


def password_only_cookie(username: str) -> str:
    """Log in with the password but stop before the second factor."""
    http = HttpClient()
    response = http.post("/staff/login/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
    return "; ".join(f"{k}={v.value}" for k, v in http.cookies.items())


def waiting_youth_conversation(chat: Chat) -> tuple[ProtocolClient, int]:
    client = chat.client()
    return client, chat.start(client, desk="youth", nickname="Youth")


def test_a_volunteer_sees_only_the_homework_desk(chat: Chat, demo: Any) -> None:
    youth_client, youth = waiting_youth_conversation(chat)
    youth_client.say(youth, "private youth matter")
    volunteer = chat.staff("volunteer")
    welcome = next(e for e in volunteer.events if e["type"] == "welcome")
    assert [d["slug"] for d in welcome["desks"]] == ["homework"]
    assert welcome["staff"]["role"] == "volunteer" and welcome["staff"]["supervisor"] is False
    assert {e["desk"]["slug"] for e in volunteer.events if e["type"] == "desk"} == {"homework"}

    before = rows()
    for frame in [
        {"type": "resume", "conversation": youth, "after": 0},
        {"type": "take", "conversation": youth},
        {"type": "send", "conversation": youth, "id": new_id(), "body": "hi"},
        {"type": "note", "conversation": youth, "id": new_id(), "body": "hi"},
        {"type": "seen", "conversation": youth, "read": 1},
        {"type": "typing", "conversation": youth, "active": True},
        {"type": "close", "conversation": youth, "outcome": "answered"},
        {"type": "transfer", "conversation": youth, "desk": demo["desks"]["homework"].pk},
    ]:
        assert volunteer.answer(frame)["code"] == "not_found", frame
    assert volunteer.answer({"type": "take", "desk": demo["desks"]["youth"].pk})["code"] == "not_found"
    assert volunteer.answer({"type": "take"})["code"] == "queue_empty"
    assert rows() == before

    # A new youth conversation never shows up in the volunteer's console.
    chat.start(chat.client(), desk="youth", nickname="Another")
    volunteer.drain(0.5)
    assert {e["desk"]["slug"] for e in volunteer.events if e["type"] == "desk"} == {"homework"}
    assert "private youth matter" not in str(volunteer.events)


def test_a_counsellor_of_another_organisation_cannot_see_youth_conversations(chat: Chat, demo: Any) -> None:
    _client, youth = waiting_youth_conversation(chat)
    outi = chat.staff("studycounsellor")
    welcome = next(e for e in outi.events if e["type"] == "welcome")
    assert [d["slug"] for d in welcome["desks"]] == ["study"]
    assert outi.answer({"type": "resume", "conversation": youth, "after": 0})["code"] == "not_found"
    assert outi.answer({"type": "take", "conversation": youth})["code"] == "not_found"
    assert outi.answer({"type": "take"})["code"] == "queue_empty"
    outi.drain(0.3)
    assert "Youth" not in str([e for e in outi.events if e["type"] == "desk"])
    assert Conversation.objects.get(pk=youth).status == "queued"


def test_a_supervisor_watches_read_only_and_steps_in_to_write(chat: Chat, demo: Any) -> None:
    client, youth = waiting_youth_conversation(chat)
    kalle = chat.staff("counsellor")
    chat.take(kalle, youth)
    client.say(youth, "I am not feeling well")
    kalle.send({"type": "note", "conversation": youth, "id": "n1", "body": "Check in about school"})
    kalle.wait_for("note")

    sanna = chat.staff("supervisor")
    resumed = sanna.answer({"type": "resume", "conversation": youth, "after": 0})
    assert resumed["conversation"]["can_write"] is False
    assert resumed["conversation"]["assigned"]["name"] == "Kalle"
    sanna.wait_for("synced", conversation=youth)
    assert "I am not feeling well" in [m["body"] for m in messages(sanna.events, youth)]
    assert [e["note"]["body"] for e in sanna.events if e["type"] == "note"] == ["Check in about school"]

    before = rows()
    refused = sanna.answer({"type": "send", "conversation": youth, "id": new_id(), "body": "Hello from Sanna"})
    assert refused["code"] == "forbidden"
    assert sanna.answer({"type": "typing", "conversation": youth, "active": True})["code"] == "forbidden"
    assert rows() == before
    # Watching does not mark the client's messages read.
    sanna.send({"type": "seen", "conversation": youth, "read": 3})
    assert Conversation.objects.get(pk=youth).staff_read_seq == 0
    # The watcher sees the live conversation.
    kalle.say(youth, "Tell me more")
    sanna.wait_for("message", body="Tell me more")
    # A counsellor cannot step in.
    aino = chat.staff("counsellor2")
    assert aino.answer({"type": "step_in", "conversation": youth})["code"] == "forbidden"

    stepped = sanna.answer({"type": "step_in", "conversation": youth})
    assert stepped["conversation"]["can_write"] is True
    # The broadcast of the new state (Sanna was watching) agrees: she is the writer now.
    assert sanna.wait_for("conversation")["conversation"] == stepped["conversation"]
    assert client.wait_for("message", code="joined")["args"] == {"name": "Sanna"}
    assert kalle.wait_for("conversation", conversation=stepped["conversation"] | {"can_write": False})
    assert kalle.answer({"type": "send", "conversation": youth, "id": new_id(), "body": "me?"})["code"] == "forbidden"
    sanna.say(youth, "Hello, I am Sanna")
    assert client.wait_for("message", sender="staff", body="Hello, I am Sanna")["name"] == "Sanna"
    assert Conversation.objects.get(pk=youth).assigned_to == demo["staff"]["supervisor"]


def test_editors_anonymous_and_half_logged_in_staff_cannot_open_the_staff_socket(chat: Chat, demo: Any) -> None:
    assert close_code(chat, "/ws/staff/") == 4401
    assert close_code(chat, "/ws/staff/", cookie="sessionid=not-a-session") == 4401
    assert close_code(chat, "/ws/staff/", cookie=chat.login("editor")) == 4403
    # Password passed, TOTP not: the supervisor is not in yet.
    assert close_code(chat, "/ws/staff/", cookie=password_only_cookie("supervisor")) == 4401
    assert close_code(chat, "/ws/staff/", cookie=password_only_cookie("admin")) == 4401
    # With the code they are.
    assert chat.staff("supervisor").events[0]["staff"]["role"] == "supervisor"


def test_an_idle_session_cannot_open_the_staff_socket(chat: Chat, demo: Any, settings: Any) -> None:
    import time

    from accounts.sessions import LAST_SEEN_KEY

    cookie = chat.login("counsellor")
    chat.staff("counsellor")  # fresh: fine
    session = session_of(cookie)
    session[LAST_SEEN_KEY] = time.time() - settings.STAFF_IDLE_TIMEOUT_SECONDS - 60
    session.save()
    assert close_code(chat, "/ws/staff/", cookie=cookie) == 4401


def test_sockets_from_a_foreign_origin_are_refused(chat: Chat, demo: Any) -> None:
    cookie = chat.login("counsellor")
    for path in ("/ws/client/", "/ws/staff/"):
        with pytest.raises(InvalidStatus) as refused:
            chat.connect(path, cookie=cookie, origin="https://evil.example")
        assert refused.value.response.status_code == 403
    # No Origin at all (not a browser) is refused as well.
    with pytest.raises(InvalidStatus):
        connect(chat.live.ws_url + "/ws/client/", open_timeout=5).close()
    # Our own origin is fine.
    assert chat.client().token


def session_of(cookie: str) -> SessionStore:
    return SessionStore(session_key=cookie.split("sessionid=")[1].split(";")[0])


def closed_with(socket: ProtocolClient, within: float = 5) -> int:
    """The close code the server closed `socket` with, within `within` seconds."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            socket.recv(timeout=within)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


def test_an_open_staff_socket_stops_when_the_staff_member_logs_out(chat: Chat, demo: Any) -> None:
    _client, youth = waiting_youth_conversation(chat)
    kalle = chat.staff("counsellor")
    http = HttpClient()
    http.cookies["sessionid"] = str(session_of(chat.login("counsellor")).session_key)
    assert http.post("/staff/logout/").status_code == 302
    before = rows()
    with contextlib.suppress(ConnectionClosed):  # logout may have closed it already (it does so at once)
        kalle.send({"type": "take", "conversation": youth})
    assert closed_with(kalle) == 4401
    assert rows() == before
    assert Conversation.objects.get(pk=youth).status == "queued"


def test_logout_closes_a_listen_only_staff_socket_at_once(chat: Chat, demo: Any) -> None:
    """The socket only listens (sends nothing): logout elsewhere closes it at once."""
    kalle = chat.staff("counsellor")
    other_tab = chat.staff("counsellor")
    http = HttpClient()
    http.cookies["sessionid"] = str(session_of(chat.login("counsellor")).session_key)
    assert http.post("/staff/logout/").status_code == 302
    # Within a second on an idle machine; a loaded CI machine is given more.
    assert closed_with(kalle, within=5) == 4401
    assert closed_with(other_tab, within=5) == 4401


def test_an_idle_listen_only_staff_socket_is_closed_by_the_server(chat: Chat, demo: Any, settings: Any) -> None:
    import time

    from accounts.sessions import LAST_SEEN_KEY

    settings.STAFF_SOCKET_CHECK_SECONDS = 0.2
    kalle = chat.staff("counsellor")  # its session check starts with the setting above
    session = session_of(chat.login("counsellor"))
    session[LAST_SEEN_KEY] = time.time() - settings.STAFF_IDLE_TIMEOUT_SECONDS - 60
    session.save()
    assert closed_with(kalle, within=2) == 4401


def test_a_ping_after_logout_is_not_answered(chat: Chat, demo: Any, settings: Any) -> None:
    settings.STAFF_SOCKET_CHECK_SECONDS = 3600  # not the timer: the ping itself is checked
    kalle = chat.staff("counsellor")
    session_of(chat.login("counsellor")).delete()
    kalle.send({"type": "ping", "ref": "p"})
    assert closed_with(kalle) == 4401
    assert not [e for e in kalle.events if e["type"] == "pong"]


def test_an_open_staff_socket_stops_when_the_session_idles_out(chat: Chat, demo: Any, settings: Any) -> None:
    import time

    from accounts.sessions import LAST_SEEN_KEY

    kalle = chat.staff("counsellor")
    session = session_of(chat.login("counsellor"))
    session[LAST_SEEN_KEY] = time.time() - settings.STAFF_IDLE_TIMEOUT_SECONDS - 60
    session.save()
    kalle.send({"type": "take"})
    assert closed_with(kalle) == 4401


def test_a_visitor_who_never_starts_a_chat_leaves_nothing_behind(chat: Chat) -> None:
    before = rows()
    visitors = [chat.client() for _ in range(5)]
    assert all(v.token for v in visitors)
    assert rows() == before
    # The token works once the visitor starts a chat, also from a new socket.
    conversation = chat.start(visitors[0])
    again = chat.client(token=visitors[0].token, hello=False)
    welcome = again.hello()
    assert welcome["token"] == visitors[0].token
    assert [c["id"] for c in welcome["conversations"]] == [conversation]
    assert rows()["clients"] == before["clients"] + 1


def test_staff_see_colleagues_of_their_own_organisation_only(chat: Chat) -> None:
    counsellor = chat.staff("counsellor")
    welcome = next(e for e in counsellor.events if e["type"] == "welcome")
    names = {c["name"] for c in welcome["colleagues"]}
    assert {"Aino", "Ville"} <= names
    assert "Outi" not in names  # the college's study counsellor
    # Every desk of the region can still be a transfer target.
    assert "study" in {d["slug"] for d in welcome["transfer_desks"]}
