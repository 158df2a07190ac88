"""Access that ends at once: a change of a staff member's rights reaches their open socket.

Each test keeps the counsellor's socket listening only (it sends nothing after
the change) and makes the change as an admin would, in the database: the socket
must stop receiving the conversation, and stop being able to act in it, within
a second (ACCESS_ENDS_WITHIN) and without a frame of its own.
"""

from __future__ import annotations

from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from accounts.models import Organisation, Role, Staff
from conversations.models import Conversation, Status
from desks.models import Desk, DeskMembership
from tests.chat_helpers import Chat, messages, new_id
from tests.wsclient import ProtocolClient

ACCESS_ENDS_WITHIN = 1.0


def closed_with(socket: ProtocolClient, within: float = ACCESS_ENDS_WITHIN) -> int:
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            socket.recv(timeout=within)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


def live_conversation(chat: Chat) -> tuple[ProtocolClient, ProtocolClient, int]:
    """A youth-desk client talking with Kalle (counsellor at youth and parents)."""
    client = chat.client()
    conversation = chat.start(client, desk="youth", nickname="Mimi")
    kalle = chat.staff("counsellor")
    chat.take(kalle, conversation)
    client.say(conversation, "hello Kalle")
    kalle.wait_for("message", body="hello Kalle")
    return client, kalle, conversation


def assert_back_in_queue(client: ProtocolClient, conversation: int) -> None:
    """The client is not left with nobody who may answer: the chat goes back to its queue."""
    client.wait_for("message", code="requeued")
    state = Conversation.objects.get(pk=conversation)
    assert (state.status, state.assigned_to_id) == (Status.QUEUED, None)


def kalle() -> Staff:
    return Staff.objects.get(username="counsellor")


def test_a_deactivated_counsellor_s_listening_socket_closes_and_the_client_goes_back_to_the_queue(
    chat: Chat, demo: Any
) -> None:
    client, socket, conversation = live_conversation(chat)
    staff = kalle()
    staff.is_active = False
    staff.save()
    assert closed_with(socket) == 4401
    assert_back_in_queue(client, conversation)


def test_a_counsellor_made_a_content_editor_is_closed_with_4403(chat: Chat, demo: Any) -> None:
    client, socket, conversation = live_conversation(chat)
    staff = kalle()
    staff.role = Role.EDITOR
    staff.save()
    assert closed_with(socket) == 4403
    assert_back_in_queue(client, conversation)
    # Nor can the editor open a new one.
    again = chat.connect("/ws/staff/", cookie=chat.login("counsellor"))
    assert closed_with(again) == 4403


def test_a_new_password_ends_the_sessions_made_with_the_old_one(chat: Chat, demo: Any) -> None:
    _client, socket, _conversation = live_conversation(chat)
    staff = kalle()
    staff.set_password("a completely new password 2026")
    staff.save()
    assert closed_with(socket) == 4401
    # The cookie of the old session no longer opens a socket either.
    again = chat.connect("/ws/staff/", cookie=chat.login("counsellor"))
    assert closed_with(again) == 4401


def test_a_counsellor_removed_from_the_desk_stops_receiving_its_conversation_at_once(chat: Chat, demo: Any) -> None:
    client, socket, conversation = live_conversation(chat)
    socket.drain(0.2)
    DeskMembership.objects.filter(staff=kalle(), desk__slug="youth").delete()

    gone = socket.wait_for("gone", timeout=ACCESS_ENDS_WITHIN)
    assert gone["conversation"] == conversation
    welcome = socket.wait_for("welcome", timeout=ACCESS_ENDS_WITHIN)
    assert [d["slug"] for d in welcome["desks"]] == ["parents"]
    assert_back_in_queue(client, conversation)

    # What the client writes next, and the youth desk's queue, no longer reach him ...
    seen_before = len(socket.events)
    client.say(conversation, "a secret after the removal")
    chat.start(chat.client(), desk="youth", nickname="Another")
    socket.drain(0.5)
    later = socket.events[seen_before:]
    assert "a secret after the removal" not in str(later)
    assert not [e for e in later if e["type"] == "desk" and e["desk"]["slug"] == "youth"]
    # ... and he can no longer act in it.
    for frame in [
        {"type": "send", "conversation": conversation, "id": new_id(), "body": "still here"},
        {"type": "note", "conversation": conversation, "id": new_id(), "body": "a note"},
        {"type": "resume", "conversation": conversation, "after": 0},
    ]:
        assert socket.answer(frame)["code"] == "not_found", frame


def test_a_counsellor_added_to_a_desk_gets_its_queue_without_reconnecting(chat: Chat, demo: Any) -> None:
    aino = chat.staff("counsellor2")  # youth only
    DeskMembership.objects.create(
        staff=Staff.objects.get(username="counsellor2"), desk=Desk.objects.get(slug="parents")
    )
    welcome = aino.wait_for("welcome", timeout=ACCESS_ENDS_WITHIN)
    assert sorted(d["slug"] for d in welcome["desks"]) == ["parents", "youth"]
    aino.read_until(
        lambda e: e["type"] == "desk" and e["desk"]["slug"] == "parents", "the parents desk", ACCESS_ENDS_WITHIN
    )


def test_after_a_transfer_away_the_counsellor_receives_nothing_of_the_conversation(chat: Chat, demo: Any) -> None:
    client, socket, conversation = live_conversation(chat)
    homework = Desk.objects.get(slug="homework").pk
    moved = socket.answer({"type": "transfer", "conversation": conversation, "desk": homework})
    assert moved["conversation"]["status"] == "queued"
    assert socket.wait_for("gone", timeout=ACCESS_ENDS_WITHIN)["conversation"] == conversation

    # The homework desk's supervisor takes it and writes a private note; the client writes.
    sanna = chat.staff("supervisor")
    chat.take(sanna, conversation)
    noted = sanna.answer({"type": "note", "conversation": conversation, "id": new_id(), "body": "homework note"})
    assert noted["type"] == "ack"
    client.say(conversation, "hello homework desk")
    sanna.wait_for("message", body="hello homework desk")
    socket.drain(0.5)
    after_gone = socket.events[socket.events.index(next(e for e in socket.events if e["type"] == "gone")) :]
    assert "homework note" not in str(after_gone)
    assert not messages(after_gone, conversation)
    assert socket.answer({"type": "resume", "conversation": conversation, "after": 0})["code"] == "not_found"


def test_a_supervisor_watching_loses_a_conversation_transferred_to_another_organisation(chat: Chat, demo: Any) -> None:
    client, socket, conversation = live_conversation(chat)
    sanna = chat.staff("supervisor")
    sanna.send({"type": "resume", "conversation": conversation, "after": 0})
    sanna.wait_for("synced", conversation=conversation)
    study = Desk.objects.get(slug="study")
    moved = socket.answer({"type": "transfer", "conversation": conversation, "desk": study.pk})
    assert moved["conversation"]["desk"]["slug"] == "study"
    assert sanna.wait_for("gone", timeout=ACCESS_ENDS_WITHIN)["conversation"] == conversation
    client.say(conversation, "now at the college")
    sanna.drain(0.5)
    assert "now at the college" not in str(sanna.events)


def test_a_desk_moved_to_another_organisation_leaves_the_old_organisation_s_admin(chat: Chat, demo: Any) -> None:
    admin = chat.staff("admin")  # sees every desk of jokilaakso, and is a member of three
    desk = Desk.objects.get(slug="parents")
    DeskMembership.objects.filter(staff__username="admin", desk=desk).delete()  # still the organisation's desk
    desk.organisation = Organisation.objects.get(slug="rantala-college")
    desk.save()
    admin.read_until(
        lambda e: e["type"] == "welcome" and "parents" not in [d["slug"] for d in e["desks"]],
        "a welcome without the moved desk",
        timeout=ACCESS_ENDS_WITHIN,
    )
