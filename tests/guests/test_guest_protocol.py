"""A conversation's guest over real sockets (issue 14, item 3; docs/protocol.md: the guest party).

The client is asked first, the link comes only after a yes and works once,
the guest reads only from their joining, never the notes, and everything ends
at once when they leave, are removed or the conversation closes.
"""

from __future__ import annotations

from typing import Any

from audit.models import Action, AuditEvent
from conversations.models import Guest, Message
from tests.chat_helpers import Chat, messages
from tests.guests.helpers import active_conversation, consent, guest_socket, invite, joined_guest, redeem


def test_the_client_is_asked_first_and_only_a_yes_gives_the_counsellor_the_link(chat: Chat) -> None:
    scene = active_conversation(chat)
    guest = invite(scene, role="sign_language_interpreter", name="Anna", organisation="Tulkkipalvelu")
    asked = scene.client.wait_for("guests", conversation=scene.conversation)
    assert asked["guests"] == [
        {
            "id": guest,
            "role": "sign_language_interpreter",
            "name": "Anna",
            "organisation": "Tulkkipalvelu",
            "state": "asked",
        }
    ]
    # No link yet: nothing to give before the client's answer.
    assert not [e for e in scene.counsellor.drain(0.3) if e["type"] == "guest_link"]
    assert Guest.objects.get(pk=guest).token_hash is None
    url = consent(scene, guest)
    assert url is not None and url.startswith("/g/")
    token = url.split("/")[2]
    stored = Guest.objects.get(pk=guest)
    assert stored.state == "accepted" and stored.token_hash and token not in stored.token_hash
    # The link went to the counsellor only: the client never sees it.
    assert not [e for e in scene.client.drain(0.3) if e["type"] == "guest_link" or token in str(e)]
    assert AuditEvent.objects.filter(action=Action.GUEST_INVITE, object_id=scene.conversation).count() == 1


def test_a_no_gives_no_link_and_ends_the_invitation(chat: Chat) -> None:
    scene = active_conversation(chat)
    guest = invite(scene)
    consent(scene, guest, accept=False)
    update = scene.counsellor.read_until(
        lambda e: e["type"] == "guests" and not e["guests"], "the guest list without the declined guest"
    )
    assert update["conversation"] == scene.conversation
    assert Guest.objects.get(pk=guest).state == "declined"
    assert not [e for e in scene.counsellor.drain(0.3) if e["type"] == "guest_link"]


def test_the_guest_takes_part_and_sees_only_from_joining(chat: Chat) -> None:
    scene = active_conversation(chat)
    scene.client.say(scene.conversation, "Something private before the interpreter")
    scene.counsellor.send(
        {"type": "note", "conversation": scene.conversation, "id": "n1", "body": "a private note", "ref": "n1"}
    )
    scene.counsellor.wait_for("ack", id="n1")
    guest, socket, _browser = joined_guest(chat, scene, role="interpreter", name="Anna")
    seen = messages(socket.events, scene.conversation)
    assert [m["code"] for m in seen] == ["guest_joined"]
    assert seen[0]["args"]["name"] == "Anna" and seen[0]["args"]["role"] == "tulkki"
    assert "Something private" not in str(socket.events) and "private note" not in str(socket.events)
    # Resuming after 0 again gives nothing earlier either.
    socket.send({"type": "resume", "conversation": scene.conversation, "after": 0, "ref": "again"})
    socket.wait_for("synced", conversation=scene.conversation)
    assert "Something private" not in str(socket.events)
    # The client and the counsellor see the joining, and who is here.
    for party in (scene.client, scene.counsellor):
        party.read_until(lambda e: e["type"] == "message" and e["code"] == "guest_joined", "joined line")
        party.read_until(
            lambda e: e["type"] == "guests" and [g["state"] for g in e["guests"]] == ["joined"], "guest list"
        )
    # The guest writes: both others get it, named with the role.
    ack = socket.say(scene.conversation, "Hei, olen tulkki.")
    for party in (scene.client, scene.counsellor):
        line = party.wait_for("message", seq=ack["seq"])
        assert (line["sender"], line["name"], line["body"]) == ("guest", "Anna", "Hei, olen tulkki.")
        assert line["args"] == {"guest": guest, "role": "interpreter"}
    # The others write; a note written now still never reaches the guest.
    scene.client.say(scene.conversation, "Kiitos")
    socket.wait_for("message", body="Kiitos")
    scene.counsellor.send(
        {"type": "note", "conversation": scene.conversation, "id": "n2", "body": "another note", "ref": "n2"}
    )
    scene.counsellor.wait_for("ack", id="n2")
    scene.client.send({"type": "typing", "conversation": scene.conversation, "active": True})
    socket.wait_for("typing", sender="client")
    socket.drain(0.3)
    kinds = {e["type"] for e in socket.events}
    assert "note" not in kinds and "receipt" not in kinds and "another note" not in str(socket.events)
    # The guest's typing reaches the others with the name.
    socket.send({"type": "typing", "conversation": scene.conversation, "active": True})
    assert scene.client.wait_for("typing", sender="guest")["name"] == "Anna"


def test_the_link_works_once(chat: Chat) -> None:
    scene = active_conversation(chat)
    guest = invite(scene)
    url = consent(scene, guest)
    assert url is not None
    redeem(url)
    from django.test import Client as HttpClient

    again = HttpClient()
    assert again.get(url).status_code == 410
    assert again.post(url).status_code == 410
    assert "already been used" in again.get(url + "?lang=en").content.decode()


def test_a_removed_guest_is_closed_at_once_and_refused_everything(chat: Chat) -> None:
    scene = active_conversation(chat)
    guest, socket, browser = joined_guest(chat, scene)
    _g2, other_tab, _b = None, guest_socket(chat, browser_cookie(browser), scene.conversation), None
    scene.counsellor.send({"type": "remove_guest", "conversation": scene.conversation, "guest": guest, "ref": "rm"})
    assert scene.counsellor.wait_for_ref("rm")["type"] == "guests"
    for tab in (socket, other_tab):
        assert tab.wait_for("guest_ended")["reason"] == "removed"
        assert closed_with(tab) == 4403
    line = scene.client.read_until(lambda e: e["type"] == "message" and e["code"] == "guest_removed", "removed line")
    assert line["args"]["name"] == "Anna"
    assert AuditEvent.objects.filter(action=Action.GUEST_REMOVE, object_id=scene.conversation).count() == 1
    # A new socket with the same session is refused before any frame; the page shows nothing.
    assert closed_with(chat.connect("/ws/guest/", cookie=browser_cookie(browser))) == 4403
    page = browser.get("/guest/?lang=en")
    assert page.status_code == 403
    assert "no longer in this conversation" in page.content.decode()
    assert "Hei" not in page.content.decode()


def test_leaving_and_closing_end_the_guest(chat: Chat) -> None:
    scene = active_conversation(chat)
    _guest, socket, _browser = joined_guest(chat, scene, name="Anna")
    socket.send({"type": "leave", "conversation": scene.conversation, "ref": "bye"})
    assert socket.wait_for("guest_ended")["reason"] == "left"
    assert closed_with(socket) == 4403
    scene.client.read_until(lambda e: e["type"] == "message" and e["code"] == "guest_left", "left line")
    _second, other, _b = joined_guest(chat, scene, name="Pekka", role="professional")
    scene.counsellor.send({"type": "close", "conversation": scene.conversation, "outcome": "answered", "ref": "c"})
    assert other.wait_for("guest_ended")["reason"] == "closed"
    assert closed_with(other) == 4403
    assert set(Guest.objects.values_list("state", flat=True)) == {"left"}


def test_only_the_counsellor_invites_and_removes(chat: Chat) -> None:
    scene = active_conversation(chat)
    colleague = chat.staff("counsellor2")
    refused = colleague.answer(
        {"type": "invite_guest", "conversation": scene.conversation, "role": "interpreter", "name": "X"}
    )
    assert refused["code"] == "forbidden"
    guest = invite(scene)
    refused = colleague.answer({"type": "remove_guest", "conversation": scene.conversation, "guest": guest})
    assert refused["code"] == "forbidden"
    bad = scene.counsellor.answer(
        {"type": "invite_guest", "conversation": scene.conversation, "role": "spy", "name": "X"}
    )
    assert bad["code"] == "bad_message"
    assert Guest.objects.count() == 1


def test_only_open_conversations_with_a_person_take_guests(chat: Chat) -> None:
    client = chat.client()
    waiting = chat.start(client, desk="youth")
    counsellor = chat.staff("counsellor")
    refused = counsellor.answer({"type": "invite_guest", "conversation": waiting, "role": "interpreter", "name": "A"})
    assert refused["code"] in ("forbidden", "not_found")
    assert Guest.objects.count() == 0


def test_a_guests_message_id_is_theirs_alone(chat: Chat) -> None:
    scene = active_conversation(chat)
    _first, anna, _b1 = joined_guest(chat, scene, name="Anna")
    _second, pekka, _b2 = joined_guest(chat, scene, name="Pekka", role="professional")
    anna.say(scene.conversation, "mine", msg_id="same-id")
    again = anna.say(scene.conversation, "mine", msg_id="same-id")
    refused = pekka.answer({"type": "send", "conversation": scene.conversation, "id": "same-id", "body": "x"})
    assert refused["type"] == "error" and refused["code"] == "bad_message"
    assert Message.objects.filter(sender_kind="guest").count() == 1
    assert again["seq"] == Message.objects.get(sender_kind="guest").seq


def browser_cookie(browser: Any) -> str:
    return "; ".join(f"{k}={v.value}" for k, v in browser.cookies.items())


def closed_with(socket: Any) -> int | None:
    """Read until the server closes the socket; its close code."""
    from websockets.exceptions import ConnectionClosed

    try:
        while True:
            socket.send({"type": "ping"})
            socket.recv(timeout=5)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else None
    return None


def test_a_ping_closes_the_socket_of_a_guest_whose_end_was_not_heard(chat: Chat) -> None:
    """Should the channel layer lose the event that ends a guest, their next ping closes the socket."""
    scene = active_conversation(chat)
    guest, socket, _browser = joined_guest(chat, scene)
    Guest.objects.filter(pk=guest).update(state="removed")  # as if the event never arrived
    socket.send({"type": "ping", "ref": "p"})
    assert closed_with(socket) == 4403
