"""Nothing is lost or doubled: resending, reconnecting, reloading, concurrent senders, receipts."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from conversations.models import Conversation, Message
from tests.chat_helpers import Chat, messages, rows
from tests.wsclient import ProtocolClient


def active_conversation(chat: Chat) -> tuple[ProtocolClient, ProtocolClient, int]:
    """A client and the counsellor Kalle in a live conversation, both synced."""
    client = chat.client()
    conversation = chat.start(client, nickname="Mimi")
    counsellor = chat.staff("counsellor")
    chat.take(counsellor, conversation)
    client.wait_for("message", code="joined")
    return client, counsellor, conversation


def replay(socket: ProtocolClient, conversation: int, after: int) -> list[dict[str, Any]]:
    """Resume `conversation` after `after` and return exactly what arrived up to `synced`."""
    start = len(socket.events)
    socket.send({"type": "resume", "conversation": conversation, "after": after, "ref": "resume"})
    socket.wait_for("synced", conversation=conversation)
    return socket.events[start:]


def test_resending_the_same_id_stores_one_message_and_delivers_it_once(chat: Chat) -> None:
    client, counsellor, conversation = active_conversation(chat)
    first = client.say(conversation, "did you get this?", msg_id="msg-1")
    before = rows()
    # The ack got lost (say); the client sends the same message again, twice.
    second = client.say(conversation, "did you get this?", msg_id="msg-1")
    third = client.say(conversation, "did you get this? (edited)", msg_id="msg-1")
    assert first["seq"] == second["seq"] == third["seq"]
    assert rows() == before
    assert Message.objects.filter(conversation_id=conversation, client_msg_id="msg-1").count() == 1

    counsellor.say(conversation, "yes", msg_id="reply-1")
    assert counsellor.say(conversation, "yes", msg_id="reply-1")["seq"] == first["seq"] + 1
    client.wait_for("message", id="reply-1")
    client.drain()
    counsellor.drain()
    assert [m["body"] for m in messages(counsellor.events, conversation) if m["id"] == "msg-1"] == ["did you get this?"]
    assert len([m for m in messages(client.events, conversation) if m["id"] == "reply-1"]) == 1
    # A client id is the sender's own: the counsellor may use the same string without clashing.
    assert counsellor.say(conversation, "same id, other side", msg_id="msg-1")["seq"] == first["seq"] + 2


def test_a_client_that_reconnects_gets_exactly_what_it_missed_in_order(chat: Chat) -> None:
    client, counsellor, conversation = active_conversation(chat)
    cursor = client.say(conversation, "I have a question")["seq"]
    client.close()  # the phone loses its connection

    for n in range(1, 6):
        counsellor.say(conversation, f"answer {n}")

    back = chat.client(token=client.token)
    assert back.events[-1]["conversations"] == [
        {"id": conversation, "desk": "youth", "status": "active", "last_seq": cursor + 5}
    ]
    got = replay(back, conversation, cursor)
    assert got[0]["type"] == "conversation" and got[0]["conversation"]["status"] == "active"
    assert [(m["seq"], m["body"]) for m in messages(got)] == [(cursor + n, f"answer {n}") for n in range(1, 6)]
    assert [e["type"] for e in got[1:]] == ["message"] * 5 + ["synced"]
    assert got[-1]["last_seq"] == cursor + 5

    # And the conversation goes on live on the new socket.
    counsellor.say(conversation, "welcome back")
    assert back.wait_for("message", sender="staff")["seq"] == cursor + 6


def test_a_page_reload_replays_the_whole_history_once(chat: Chat) -> None:
    client, counsellor, conversation = active_conversation(chat)
    client.say(conversation, "one")
    counsellor.say(conversation, "two")
    client.say(conversation, "three")
    last = Conversation.objects.get(pk=conversation).last_seq

    reloaded = chat.client(token=client.token)
    got = replay(reloaded, conversation, 0)
    history = messages(got)
    assert [m["seq"] for m in history] == list(range(1, last + 1))
    assert [m["code"] or m["body"] for m in history] == ["started", "joined", "one", "two", "three"]
    assert [m["sender"] for m in history] == ["system", "system", "client", "staff", "client"]
    assert reloaded.drain() == []


def test_sequence_numbers_are_gapless_under_concurrent_senders(chat: Chat) -> None:
    client, counsellor, conversation = active_conversation(chat)
    second_tab = chat.client(token=client.token)
    replay(second_tab, conversation, 0)
    per_sender = 25
    acks: dict[str, list[int]] = {}
    barrier = threading.Barrier(3)

    def write(name: str, socket: ProtocolClient) -> None:
        ids = [f"{name}-{n}" for n in range(per_sender)]
        barrier.wait()
        for msg_id in ids:
            socket.send({"type": "send", "conversation": conversation, "id": msg_id, "body": msg_id})
        acks[name] = [socket.wait_for("ack", id=msg_id, timeout=30)["seq"] for msg_id in ids]

    threads = [
        threading.Thread(target=write, args=("client", client)),
        threading.Thread(target=write, args=("tab", second_tab)),
        threading.Thread(target=write, args=("staff", counsellor)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(acks) == ["client", "staff", "tab"]

    last = Conversation.objects.get(pk=conversation).last_seq
    stored = list(Message.objects.filter(conversation_id=conversation).order_by("seq").values_list("seq", flat=True))
    assert stored == list(range(1, last + 1))
    assert last == 2 + 3 * per_sender
    all_acks = [seq for seqs in acks.values() for seq in seqs]
    assert len(set(all_acks)) == len(all_acks)
    for seqs in acks.values():
        assert seqs == sorted(seqs), "one socket's messages keep their order"

    # Each party has every message (live, or by resuming from its cursor).
    for socket in (client, second_tab, counsellor):
        socket.drain()
        have = {m["seq"] for m in messages(socket.events, conversation)}
        missed = replay(socket, conversation, max(have))
        have |= {m["seq"] for m in messages(missed)}
        assert have >= set(range(3, last + 1))


def test_receipts_move_forward_only_and_never_past_the_last_message(chat: Chat) -> None:
    client, counsellor, conversation = active_conversation(chat)
    counsellor.say(conversation, "one")
    counsellor.say(conversation, "two")
    last = Conversation.objects.get(pk=conversation).last_seq  # 4

    client.send({"type": "seen", "conversation": conversation, "delivered": last})
    receipt = counsellor.wait_for("receipt", side="client")
    assert (receipt["delivered"], receipt["read"]) == (last, 0)
    client.send({"type": "seen", "conversation": conversation, "read": last - 1})
    receipt = counsellor.wait_for("receipt", side="client")
    assert (receipt["delivered"], receipt["read"]) == (last, last - 1)
    client.wait_for("receipt", side="client", read=last - 1)  # the sender's other tabs learn it too

    # Backwards and past the end: nothing goes back, nothing goes beyond last_seq.
    client.send({"type": "seen", "conversation": conversation, "delivered": 1, "read": 1})
    client.send({"type": "seen", "conversation": conversation, "read": 10_000, "delivered": 2**31 - 1})
    receipt = counsellor.wait_for("receipt", side="client")
    assert (receipt["delivered"], receipt["read"]) == (last, last)
    stored = Conversation.objects.get(pk=conversation)
    assert (stored.client_delivered_seq, stored.client_read_seq) == (last, last)
    assert (stored.staff_delivered_seq, stored.staff_read_seq) == (0, 0)

    # The counsellor's read receipt reaches the client the same way.
    client.say(conversation, "thanks")
    counsellor.send({"type": "seen", "conversation": conversation, "read": last + 1})
    receipt = client.wait_for("receipt", side="staff")
    assert (receipt["delivered"], receipt["read"]) == (last + 1, last + 1)
    counsellor.drain()
    assert len([e for e in counsellor.events if e["type"] == "receipt" and e["side"] == "client"]) == 3
    assert Conversation.objects.get(pk=conversation).client_read_seq == last


def test_resume_carries_the_receipts_so_a_reloaded_page_shows_read_marks(chat: Chat) -> None:
    client, counsellor, conversation = active_conversation(chat)
    client.say(conversation, "hello?")
    counsellor.send({"type": "seen", "conversation": conversation, "read": 3})
    client.wait_for("receipt", side="staff")
    reloaded = chat.client(token=client.token)
    state = replay(reloaded, conversation, 0)[0]["conversation"]
    assert state["receipts"]["staff"] == {"delivered": 3, "read": 3}
    assert state["last_seq"] == 3
    assert "id" not in (state["assigned"] or {}), "clients never see staff ids"


@pytest.mark.parametrize("party", ["client", "staff"])
def test_a_message_stored_while_a_party_resumes_is_not_lost(
    chat: Chat, demo: Any, monkeypatch: pytest.MonkeyPatch, party: str
) -> None:
    """The race between reading the history and joining the live stream: a message
    stored right after the history was read still reaches the resuming party."""
    from conversations.actions import messages, transcript

    client, _counsellor, conversation = active_conversation(chat)
    supervisor = chat.staff("supervisor")
    original = transcript.messages_after
    written: list[int] = []

    def read_then_the_other_side_writes(conv: Conversation, after: int) -> list[Message]:
        history = original(conv, after)
        if not written:
            if party == "client":
                sender = {"staff": demo["staff"]["counsellor"]}
            else:
                sender = {"client": Conversation.objects.get(pk=conversation).client}
            message, _created = messages.do_send_message(
                conversation, body="in between", client_msg_id="between", **sender
            )
            written.append(message.seq)
        return history

    monkeypatch.setattr(transcript, "messages_after", read_then_the_other_side_writes)
    resuming = chat.client(token=client.token) if party == "client" else supervisor
    replay(resuming, conversation, 0)
    assert written
    resuming.wait_for("message", conversation=conversation, seq=written[0], body="in between")
