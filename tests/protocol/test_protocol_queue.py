"""The queue and the life of a conversation: places in line, taking, transferring, closing, ending."""

from __future__ import annotations

import threading
from typing import Any

from conversations.models import Conversation, Message, Transfer
from tests.chat_helpers import Chat, messages, new_id, rows
from tests.support.demo import YOUTH_NAMES
from tests.wsclient import ProtocolClient


def desk_id(demo: Any, slug: str) -> int:
    return int(demo["desks"][slug].pk)


def staff_id(demo: Any, username: str) -> int:
    return int(demo["staff"][username].pk)


def desk_showing(staff: ProtocolClient, slug: str, waiting: list[str]) -> dict[str, Any]:
    """The `desk` snapshot of `slug` whose waiting list (by nickname) is `waiting`, read as it arrives."""
    return staff.read_until(
        lambda e: (
            e["type"] == "desk" and e["desk"]["slug"] == slug and [w["nickname"] for w in e["waiting"]] == waiting
        ),
        f"a {slug} snapshot with {waiting} waiting",
    )


def test_waiting_clients_learn_their_place_as_the_line_moves(chat: Chat, demo: Any) -> None:
    first, second, third = chat.client(), chat.client(), chat.client()
    ids = [chat.start(c, nickname=n) for c, n in ((first, "A"), (second, "B"), (third, "C"))]
    assert [c.events[-1]["position"] for c in (first, second, third)] == [1, 2, 3]
    counsellor = chat.staff("counsellor")

    # The counsellor takes the next one: everybody behind moves up.
    taken = counsellor.answer({"type": "take", "desk": desk_id(demo, "youth")})
    assert taken["conversation"]["id"] == ids[0]
    assert second.wait_for("queue", position=1)["waiting"] == 2
    assert third.wait_for("queue", position=2)["waiting"] == 2
    # Snapshots are coalesced (at most one per desk per CHAT_DESK_UPDATE_SECONDS): the latest state arrives.
    snapshot = desk_showing(counsellor, taken["conversation"]["desk"]["slug"], ["B", "C"])
    assert [(a["nickname"], a["assigned"]["name"]) for a in snapshot["active"]] == [("A", "Kalle")]

    # The one ahead gives up waiting: the last one moves up again.
    second.send({"type": "end", "conversation": ids[1]})
    assert third.wait_for("queue", position=1)["waiting"] == 1
    desk_showing(counsellor, taken["conversation"]["desk"]["slug"], ["C"])
    # Only waiting clients get queue places.
    first.wait_for("message", code="joined")
    assert [e for e in first.drain() if e["type"] == "queue"] == []


def test_two_counsellors_take_the_same_conversation_one_gets_it(chat: Chat, demo: Any) -> None:
    client = chat.client()
    conversation = chat.start(client)
    kalle, aino = chat.staff("counsellor"), chat.staff("counsellor2")
    results: dict[str, dict[str, Any]] = {}
    barrier = threading.Barrier(2)

    def take(name: str, socket: ProtocolClient) -> None:
        barrier.wait()
        results[name] = socket.answer({"type": "take", "conversation": conversation})

    threads = [threading.Thread(target=take, args=a) for a in (("kalle", kalle), ("aino", aino))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    kinds = sorted(r["type"] for r in results.values())
    assert kinds == ["conversation", "error"]
    winner = next(n for n, r in results.items() if r["type"] == "conversation")
    loser = next(n for n, r in results.items() if r["type"] == "error")
    assert results[loser]["code"] == "taken"
    assert results[winner]["conversation"]["can_write"] is True
    stored = Conversation.objects.get(pk=conversation)
    assert stored.assigned_to == demo["staff"]["counsellor" if winner == "kalle" else "counsellor2"]
    assert Message.objects.filter(conversation_id=conversation, code="joined").count() == 1
    joined = client.wait_for("message", code="joined")
    assert joined["args"]["name"] == ("Kalle" if winner == "kalle" else "Aino")


def test_two_counsellors_take_next_from_a_queue_of_one(chat: Chat, demo: Any) -> None:
    client = chat.client()
    conversation = chat.start(client)
    kalle, aino = chat.staff("counsellor"), chat.staff("counsellor2")
    results: list[dict[str, Any]] = []
    barrier = threading.Barrier(2)

    def take(socket: ProtocolClient) -> None:
        barrier.wait()
        results.append(socket.answer({"type": "take", "desk": desk_id(demo, "youth")}))

    threads = [threading.Thread(target=take, args=(s,)) for s in (kalle, aino)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    got = [r for r in results if r["type"] == "conversation"]
    refused = [r for r in results if r["type"] == "error"]
    assert len(got) == 1 and got[0]["conversation"]["id"] == conversation
    assert len(refused) == 1 and refused[0]["code"] in ("taken", "queue_empty")
    assert Message.objects.filter(conversation_id=conversation, code="joined").count() == 1


def test_taking_from_an_empty_queue_or_a_foreign_desk(chat: Chat, demo: Any) -> None:
    counsellor = chat.staff("counsellor")
    before = rows()
    assert counsellor.answer({"type": "take", "desk": desk_id(demo, "youth")})["code"] == "queue_empty"
    assert counsellor.answer({"type": "take"})["code"] == "queue_empty"
    # Kalle does not work at the homework desk: it does not exist for him.
    assert counsellor.answer({"type": "take", "desk": desk_id(demo, "homework")})["code"] == "not_found"
    # Somebody waits at the homework desk, but that is not Kalle's queue either.
    homework_client = chat.client()
    waiting = chat.start(homework_client, desk="homework")
    assert counsellor.answer({"type": "take"})["code"] == "queue_empty"
    assert counsellor.answer({"type": "take", "conversation": waiting})["code"] == "not_found"
    assert rows()["messages"] == before["messages"] + 1  # only the homework conversation's "started"


def test_transfer_to_another_desk_with_a_note_for_the_next_counsellor(chat: Chat, demo: Any) -> None:
    client = chat.client()
    conversation = chat.start(client, nickname="Mimi")
    kalle = chat.staff("counsellor")
    chat.take(kalle, conversation)
    client.say(conversation, "I need help with maths")
    note = "Asks about maths homework, 9th grade"
    moved = kalle.answer(
        {"type": "transfer", "conversation": conversation, "desk": desk_id(demo, "homework"), "note": note}
    )
    assert moved["conversation"]["status"] == "queued"
    assert moved["conversation"]["desk"]["slug"] == "homework"
    assert moved["conversation"]["can_write"] is False

    # The client sees the move and its new place, never the note.
    client.wait_for("message", code="transferred")
    assert client.wait_for("queue", conversation=conversation)["position"] == 1

    # It is no longer Kalle's: it is at a desk where he does not work.
    refused = kalle.answer({"type": "send", "conversation": conversation, "id": new_id(), "body": "still there?"})
    assert refused["code"] == "not_found"

    # The volunteer at the homework desk sees it waiting, marked as transferred, and reads the note.
    ville = chat.staff("volunteer")
    snapshot = next(e for e in ville.events if e["type"] == "desk")
    assert [(w["id"], w["transferred"], w["offered_to"]) for w in snapshot["waiting"]] == [(conversation, True, None)]
    chat.take(ville, conversation)
    notes = [e["note"]["body"] for e in ville.events if e["type"] == "note"]
    assert len(notes) == 1 and note in notes[0]
    assert "I need help with maths" in [m["body"] for m in messages(ville.events, conversation)]
    ville.say(conversation, "Hi, I can help with maths.")
    assert client.wait_for("message", sender="staff")["name"] == "Ville"

    client.drain()
    assert [e for e in client.events if e["type"] == "note"] == []
    assert "9th grade" not in str(client.events)
    states = [e["conversation"] for e in client.events if e["type"] == "conversation"]
    assert states[-1]["desk"]["slug"] == "homework" and states[-1]["status"] == "active"
    assert Transfer.objects.get(conversation_id=conversation).note == note


def test_transfer_to_a_named_colleague_only_they_can_take_it(chat: Chat, demo: Any) -> None:
    client = chat.client()
    conversation = chat.start(client)
    kalle, aino, sanna = chat.staff("counsellor"), chat.staff("counsellor2"), chat.staff("supervisor")
    chat.take(kalle, conversation)
    aino_id = staff_id(demo, "counsellor2")
    moved = kalle.answer(
        {"type": "transfer", "conversation": conversation, "desk": desk_id(demo, "youth"), "staff": aino_id},
    )
    assert moved["conversation"]["status"] == "queued"
    aino.wait_for("offered", conversation=conversation)

    def offered_to_aino(e: dict[str, Any]) -> bool:
        waiting = [(w["id"], w["offered_to"]) for w in e.get("waiting", [])]
        return e["type"] == "desk" and e["desk"]["slug"] == "youth" and waiting == [(conversation, aino_id)]

    # The desk's snapshot shows the offer (before or after `offered`: snapshots are coalesced).
    if not any(offered_to_aino(e) for e in aino.events):
        aino.read_until(offered_to_aino, "the youth desk with the conversation offered to Aino")

    # Nobody else takes it: not by id, not as "next".
    assert sanna.answer({"type": "take", "conversation": conversation})["code"] == "taken"
    assert kalle.answer({"type": "take", "desk": desk_id(demo, "youth")})["code"] == "queue_empty"
    assert kalle.answer({"type": "take", "conversation": conversation})["code"] == "taken"
    # Aino does.
    taken = aino.answer({"type": "take", "desk": desk_id(demo, "youth")})
    assert taken["conversation"]["id"] == conversation and taken["conversation"]["can_write"] is True
    client.wait_for("message", code="joined", args={"name": "Aino"})


def taken_by_kalle(chat: Chat) -> tuple[ProtocolClient, int, ProtocolClient]:
    """A client's conversation at the youth desk, taken by Kalle: (client, conversation, kalle)."""
    client = chat.client()
    conversation = chat.start(client)
    kalle = chat.staff("counsellor")
    chat.take(kalle, conversation)
    return client, conversation, kalle


def test_transfer_to_a_colleague_who_does_not_work_at_that_desk_is_refused(chat: Chat, demo: Any) -> None:
    _client, conversation, kalle = taken_by_kalle(chat)
    before = rows()
    cases = [
        # Aino works only at the youth desk, not the parents' line.
        ({"desk": desk_id(demo, "parents"), "staff": staff_id(demo, "counsellor2")}, "staff"),
        # The editor answers no one.
        ({"desk": desk_id(demo, "youth"), "staff": staff_id(demo, "editor")}, "staff"),
        ({"desk": desk_id(demo, "youth"), "staff": 999_999}, "staff"),
        ({"desk": 999_999}, "desk"),
    ]
    for fields, field in cases:
        refused = kalle.answer({"type": "transfer", "conversation": conversation, "note": "see note", **fields})
        assert (refused["code"], refused.get("field")) == ("bad_message", field), fields
    assert rows() == before
    stored = Conversation.objects.get(pk=conversation)
    assert (stored.status, stored.assigned_to, stored.desk.slug) == ("active", demo["staff"]["counsellor"], "youth")
    kalle.say(conversation, "still with you")


def test_close_with_an_outcome(chat: Chat, demo: Any) -> None:
    client, conversation, kalle = taken_by_kalle(chat)
    before = rows()
    refused = kalle.answer({"type": "close", "conversation": conversation, "outcome": "great"})
    assert (refused["code"], refused["field"]) == ("bad_message", "outcome")
    assert kalle.answer({"type": "close", "conversation": conversation, "outcome": "x" * 21})["code"] == "too_large"
    assert rows() == before
    assert Conversation.objects.get(pk=conversation).status == "active"

    closed = kalle.answer({"type": "close", "conversation": conversation, "outcome": "referred"})
    assert closed["conversation"]["status"] == "closed" and closed["conversation"]["outcome"] == "referred"
    client.wait_for("message", code="closed")
    state = client.wait_for("conversation")["conversation"]
    assert state["status"] == "closed"
    refused = client.answer({"type": "send", "conversation": conversation, "id": new_id(), "body": "wait!"})
    assert refused["code"] == "closed"
    refused = kalle.answer({"type": "send", "conversation": conversation, "id": new_id(), "body": "bye"})
    assert refused["code"] == "closed"
    assert chat.client(token=client.token).events[-1]["conversations"] == []
    assert Conversation.objects.get(pk=conversation).outcome == "referred"
    assert Message.objects.filter(conversation_id=conversation).count() == before["messages"] + 1


def test_a_client_ends_while_waiting(chat: Chat, demo: Any) -> None:
    client = chat.client()
    conversation = chat.start(client)
    kalle = chat.staff("counsellor")
    client.send({"type": "end", "conversation": conversation})
    state = client.wait_for("conversation")["conversation"]
    assert (state["status"], state["closed_by_client"], state["outcome"]) == ("closed", True, "client_left")
    snapshot = kalle.wait_for(
        "desk", desk={"id": desk_id(demo, "youth"), "slug": "youth", "name": "Nuorten chat", "names": YOUTH_NAMES}
    )
    assert snapshot["waiting"] == []
    assert kalle.answer({"type": "take", "desk": desk_id(demo, "youth")})["code"] == "queue_empty"
    # Ending twice changes nothing.
    before = rows()
    client.send({"type": "end", "conversation": conversation})
    client.drain()
    assert rows() == before


def test_a_client_ends_a_live_conversation_and_the_counsellor_records_the_outcome(chat: Chat, demo: Any) -> None:
    client = chat.client()
    conversation = chat.start(client)
    kalle = chat.staff("counsellor")
    chat.take(kalle, conversation)
    client.send({"type": "end", "conversation": conversation})
    kalle.wait_for("message", code="client_left")
    state = kalle.wait_for("conversation")["conversation"]
    assert (state["status"], state["closed_by_client"], state["outcome"], state["can_write"]) == (
        "closed",
        True,
        "",
        False,
    )
    refused = kalle.answer({"type": "send", "conversation": conversation, "id": new_id(), "body": "hello?"})
    assert refused["code"] == "closed"
    before = rows()
    closed = kalle.answer({"type": "close", "conversation": conversation, "outcome": "answered"})
    assert closed["conversation"]["outcome"] == "answered"
    assert rows() == before, "no second closing line"
    assert Conversation.objects.get(pk=conversation).outcome == "answered"


def test_closed_desks_and_too_many_open_conversations_are_refused(chat: Chat, demo: Any, settings: Any) -> None:
    from desks.models import Desk

    Desk.objects.filter(slug="parents").update(is_active=False)
    client = chat.client()
    before = rows()
    refused = client.answer({"type": "start", "desk": "parents"})
    assert refused["code"] == "desk_closed"
    assert rows() == before

    # Nor can a counsellor send anyone to the closed desk.
    youth = chat.start(client)
    kalle = chat.staff("counsellor")
    chat.take(kalle, youth)
    before = rows()
    assert kalle.answer({"type": "transfer", "conversation": youth, "desk": desk_id(demo, "parents")})["code"] == (
        "desk_closed"
    )
    assert rows() == before

    for _n in range(settings.CHAT_MAX_OPEN_CONVERSATIONS_PER_CLIENT - 1):
        chat.start(client)
    before = rows()
    assert client.answer({"type": "start", "desk": "youth"})["code"] == "too_many"
    assert rows() == before
    # Ending one makes room again.
    client.send({"type": "end", "conversation": youth})
    chat.start(client)


def test_starts_sent_at_once_from_several_sockets_stay_within_the_open_conversation_limit(
    chat: Chat, settings: Any
) -> None:
    """Starts sent at once from several sockets of one client: the limit holds, the rest are refused."""
    first = chat.client()
    limit = settings.CHAT_MAX_OPEN_CONVERSATIONS_PER_CLIENT
    for _n in range(limit - 2):
        chat.start(first)  # (the first start stores the client, so its token is known from then on)
    sockets = [first] + [chat.client(token=first.token) for _n in range(3)]
    for n, socket in enumerate(sockets):
        socket.send({"type": "start", "desk": "youth", "person": True, "ref": f"race-{n}"})
    answers = [answer_to_start(socket, f"race-{n}") for n, socket in enumerate(sockets)]
    started = [a for a in answers if a["type"] == "synced"]
    refused = [a for a in answers if a["type"] == "error"]
    assert (len(started), [a["code"] for a in refused]) == (2, ["too_many"] * (len(sockets) - 2))
    from conversations.models import Conversation

    client = Conversation.objects.get(pk=started[0]["conversation"]).client
    assert Conversation.objects.open().filter(client=client).count() == limit


def answer_to_start(socket: ProtocolClient, ref: str) -> dict[str, Any]:
    """The start's `synced` (it started) or its `error`."""
    return socket.read_until(lambda e: e.get("ref") == ref and e["type"] in ("error", "synced"), f"start {ref}")
