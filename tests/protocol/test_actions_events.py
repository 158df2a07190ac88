"""The events the conversation actions send: only after commit, never for a refusal or a rollback.

These call the actions directly (as consumers, commands and views do) and
record what reaches the channel layer, so they show the contract of
common.events: a party is never told of something that is not stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction

from conversations.actions import assignment, clients, closing, messages, notes, queue, starting
from conversations.errors import ChatError
from conversations.models import Client, Conversation, Message
from tests.chat_helpers import rows
from tests.support import EventCapture, assert_num_queries, capture_events
from tests.support.factories import ClientFactory

MESSAGE_FIELDS = {"type", "conversation", "seq", "id", "sender", "name", "body", "code", "args", "at"}


@pytest.fixture
def layer() -> Iterator[EventCapture]:
    """What the actions send, captured instead of delivered (tests.support.capture_events)."""
    with capture_events() as capture:
        yield capture


@pytest.fixture
def queued(demo: Any) -> Conversation:
    client, _token = clients.get_or_create_client(None)
    return Conversation.objects.get(pk=starting.do_start(client, demo["desks"]["youth"], nickname="Mimi", person=True))


def test_a_message_is_announced_once_and_only_after_it_is_stored(
    demo: Any, queued: Conversation, layer: EventCapture
) -> None:
    message, created = messages.do_send_message(queued.pk, body="hei", client_msg_id="m1", client=queued.client)
    assert created
    assert layer.kinds() == [("conv", "message", None)]
    group, event = layer.sent[0]
    assert group == f"conv-{queued.pk}"
    assert set(event) == MESSAGE_FIELDS
    assert (event["seq"], event["id"], event["sender"], event["body"]) == (message.seq, "m1", "client", "hei")
    assert layer.stored_when_sent == [True]

    # A resend is answered from the database and announced to nobody.
    again, created = messages.do_send_message(queued.pk, body="hei", client_msg_id="m1", client=queued.client)
    assert (again.pk, created) == (message.pk, False)
    assert len(layer.sent) == 1


def test_nothing_is_announced_when_the_transaction_rolls_back(
    demo: Any, queued: Conversation, layer: EventCapture
) -> None:
    before = rows()
    with pytest.raises(RuntimeError), transaction.atomic():
        messages.do_send_message(queued.pk, body="never", client_msg_id="m2", client=queued.client)
        assignment.do_take(demo["staff"]["counsellor"], conversation_id=queued.pk)
        raise RuntimeError("the surrounding work failed")
    assert layer.sent == []
    assert rows() == before
    assert Conversation.objects.get(pk=queued.pk).status == "queued"


def test_refused_actions_store_and_announce_nothing(demo: Any, queued: Conversation, layer: EventCapture) -> None:
    kalle, aino, ville = (demo["staff"][name] for name in ("counsellor", "counsellor2", "volunteer"))
    assignment.do_take(kalle, conversation_id=queued.pk)
    layer.clear()
    before = rows()
    state = Conversation.objects.values().get(pk=queued.pk)
    refusals: list[tuple[Callable[[], object], str]] = [
        (lambda: assignment.do_take(aino, conversation_id=queued.pk), "taken"),
        (lambda: assignment.do_take(aino), "queue_empty"),
        (lambda: assignment.do_take(ville, conversation_id=queued.pk), "not_found"),
        (lambda: messages.do_send_message(queued.pk, body="x", client_msg_id="a", staff=aino), "forbidden"),
        (lambda: messages.do_send_message(queued.pk, body=" ", client_msg_id="b", staff=kalle), "bad_message"),
        (lambda: closing.do_close(kalle, queued.pk, outcome="great"), "bad_message"),
        (lambda: closing.do_close(aino, queued.pk, outcome="answered"), "forbidden"),
        (lambda: assignment.do_step_in(aino, queued.pk), "forbidden"),
        (lambda: assignment.do_transfer(kalle, queued.pk, to_desk_id=demo["desks"]["parents"].pk, to_staff_id=aino.pk),
         "bad_message"),
        (lambda: assignment.do_transfer(aino, queued.pk, to_desk_id=demo["desks"]["youth"].pk), "forbidden"),
        (lambda: closing.do_client_end(ClientFactory.create(), queued.pk), "not_found"),
    ]  # fmt: skip
    for refuse, code in refusals:
        with pytest.raises(ChatError) as refused:
            refuse()
        assert refused.value.code == code
    assert layer.sent == []
    assert rows() == {**before, "clients": before["clients"] + 1}
    assert Conversation.objects.values().get(pk=queued.pk) == state


def test_taking_tells_each_party_what_it_needs(demo: Any, queued: Conversation, layer: EventCapture) -> None:
    behind = Conversation.objects.get(
        pk=starting.do_start(
            clients.get_or_create_client(None)[0], demo["desks"]["youth"], nickname="Behind", person=True
        )
    )
    layer.clear()
    assignment.do_take(demo["staff"]["counsellor"], conversation_id=queued.pk)
    assert layer.kinds() == [
        ("conv", "message", None),  # "joined", in the transcript
        ("conv", "conversation", "client"),  # the client's view of the new state
        ("convstaff", "conversation", "staff"),  # the staff view, with staff ids
        ("desk", "desk", None),  # the desk's new snapshot for staff on duty
        ("conv", "queue", "client"),  # the one still waiting moves up (staff see the snapshot)
        ("staff", "assigned", None),  # the counsellor's other sockets
    ]
    events = {
        (group, event["type"], audience): event
        for (group, event), audience in zip(layer.sent, layer.audiences, strict=True)
    }
    client_view = events[(f"conv-{queued.pk}", "conversation", "client")]["conversation"]
    staff_view = events[(f"convstaff-{queued.pk}", "conversation", "staff")]["conversation"]
    kalle = demo["staff"]["counsellor"]
    assert client_view["assigned"] == {"name": "Kalle"}
    assert staff_view["assigned"] == {"id": kalle.pk, "name": "Kalle"}
    assert events[(f"conv-{behind.pk}", "queue", "client")] == {
        "type": "queue",
        "conversation": behind.pk,
        "position": 1,
        "waiting": 1,
        "wait_seconds": None,  # nobody has the console open: no estimate
    }
    assert layer.stored_when_sent == [True]


def test_notes_go_to_staff_only(demo: Any, queued: Conversation, layer: EventCapture) -> None:
    kalle = demo["staff"]["counsellor"]
    assignment.do_take(kalle, conversation_id=queued.pk)
    layer.clear()
    note, created = notes.do_add_note(kalle, queued.pk, body="private", client_msg_id="n1")
    assert created
    assert [(group, event["type"]) for group, event in layer.sent] == [(f"convstaff-{queued.pk}", "note")]
    again, created = notes.do_add_note(kalle, queued.pk, body="private", client_msg_id="n1")
    assert (again.pk, created, len(layer.sent)) == (note.pk, False, 1)


def test_a_desk_snapshot_costs_the_same_queries_for_one_or_many_waiting(demo: Any, settings: Any) -> None:
    # Kalle takes 11 conversations here, above a person's limit (conversations.actions.duty): the cost is the point.
    settings.DUTY_DEFAULT_MAX_CONVERSATIONS = 100
    desk = demo["desks"]["youth"]
    kalle = demo["staff"]["counsellor"]

    def start(n: int) -> None:
        for _i in range(n):
            client, _token = clients.get_or_create_client(None)
            conversation = Conversation.objects.get(pk=starting.do_start(client, desk, nickname="x", person=True))
            if _i % 2:
                assignment.do_take(kalle, conversation_id=conversation.pk)

    start(2)
    with assert_num_queries(4):  # the waiting with their first lines, their bot topics, those in progress, the inbox
        queue.desk_snapshot(desk)
    start(20)
    with assert_num_queries(4):
        snapshot = queue.desk_snapshot(desk)
    assert len(snapshot["waiting"]) == 11 and len(snapshot["active"]) == 11


def test_the_desk_snapshot_after_a_direct_start_shows_why_the_client_is_waiting(demo: Any, layer: EventCapture) -> None:
    """A client who asks for a person at the start of a bot desk is queued with the reason "direct".

    The reason used to be written after the start had committed, so the snapshot
    that staff received at that moment showed the client without it.
    """
    desk = demo["desks"]["youth"]
    assert desk.bot_enabled
    client, _token = clients.get_or_create_client(None)
    conversation_id = starting.do_start(client, desk, nickname="Mimi", person=True)
    snapshots = [event for group, event in layer.sent if event["type"] == "desk"]
    assert snapshots, "staff were told of the new client"
    (waiting,) = snapshots[-1]["waiting"]
    assert (waiting["id"], waiting["handoff_reason"]) == (conversation_id, "direct")


def test_a_resend_that_races_past_the_duplicate_check_returns_the_stored_message(
    demo: Any, queued: Conversation, layer: EventCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two sockets of one counsellor send the same id; the second passes the duplicate check
    before the first is visible (as under a weaker isolation level) and is refused by the
    database's unique constraint. It must get the stored message, not an error.

    The lookup after the refusal used to take a row lock outside any transaction, which
    PostgreSQL refuses for a counsellor's message (no transaction surrounds it).
    """
    from conversations import message_sql

    kalle = demo["staff"]["counsellor"]
    assignment.do_take(kalle, conversation_id=queued.pk)
    first, created = messages.do_send_message(queued.pk, body="hei", client_msg_id="k1", staff=kalle)
    assert created
    last_seq = Conversation.objects.get(pk=queued.pk).last_seq
    layer.clear()

    real_find = message_sql.find_duplicate
    calls: list[str] = []

    def misses_once(conversation_id: int, sender_kind: str, client_msg_id: str) -> Message | None:
        calls.append(client_msg_id)
        return None if len(calls) == 1 else real_find(conversation_id, sender_kind, client_msg_id)

    monkeypatch.setattr(message_sql, "find_duplicate", misses_once)
    again, created = messages.do_send_message(queued.pk, body="hei", client_msg_id="k1", staff=kalle)
    assert (again.pk, created) == (first.pk, False)
    assert len(calls) == 2, "the stored message was read after the refusal"
    assert Message.objects.filter(conversation=queued, client_msg_id="k1").count() == 1
    assert Conversation.objects.get(pk=queued.pk).last_seq == last_seq
    assert layer.sent == [], "nobody is told of the refused copy"


def test_starts_racing_in_several_threads_stay_within_the_open_conversation_limit(demo: Any, settings: Any) -> None:
    """Each server process's database work is one thread, so the race is between processes:
    threads with their own database connections stand in for them. The client's open
    conversations are counted with its row locked, so at most the limit are ever open."""
    import threading

    from django.db import connection

    client, _token = clients.get_or_create_client(None)
    desk = demo["desks"]["youth"]
    starting.do_start(client, desk, person=True)  # stores the client
    racers = settings.CHAT_MAX_OPEN_CONVERSATIONS_PER_CLIENT + 2
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []

    def start() -> None:
        try:
            barrier.wait()
            starting.do_start(Client.objects.get(pk=client.pk), desk, person=True)
            outcomes.append("started")
        except ChatError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    limit = settings.CHAT_MAX_OPEN_CONVERSATIONS_PER_CLIENT
    assert sorted(outcomes) == sorted(["started"] * (limit - 1) + ["too_many"] * (racers - limit + 1))
    assert Conversation.objects.open().filter(client=client).count() == limit
