"""The queue's preview: what a desk's staff may read of a waiting client before taking them.

A waiting entry of the `desk` snapshot carries the start of the client's first
line (to the bot or a person) and the topics the bot part reached, by slug;
the snapshot stays a bounded number of queries however long the queue is.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from conversations.actions import assignment, clients, queue, starting
from conversations.actions.access import lock_conversation
from conversations.actions.bot import hand_off
from conversations.actions.transcript import append_message
from conversations.models import Conversation, HandoffReason, SenderKind, Status
from tests.support import assert_num_queries


def bot_conversation(desk: Any, lines: list[tuple[str, str, dict[str, Any]]]) -> int:
    """A conversation that talked with the bot (`lines`: sender, body, args) and was then handed to a person."""
    client, _token = clients.get_or_create_client(None)
    pk = starting.do_start(client, desk, nickname="Mimi")
    with transaction.atomic():
        conversation = lock_conversation(pk)
        for sender, body, args in lines:
            code = "answer" if sender == SenderKind.BOT else ""
            append_message(conversation, sender_kind=sender, body=body, code=code, args=args)
        hand_off(conversation, HandoffReason.ASKED)
    return pk


def test_a_waiting_entry_shows_the_first_words_and_the_bots_topics(demo: Any) -> None:
    desk = demo["desks"]["youth"]
    long_line = "Mulla on ollut tosi raskasta koulussa ja kotona, " * 5
    pk = bot_conversation(
        desk,
        [
            (SenderKind.CLIENT, long_line, {}),
            (SenderKind.BOT, "…", {"topic": "kiusaaminen"}),
            (SenderKind.CLIENT, "entä rahat?", {}),
            (SenderKind.BOT, "…", {"topic": "smalltalk"}),
            (SenderKind.BOT, "…", {"topic": "raha"}),
            (SenderKind.BOT, "…", {"topic": "kiusaaminen"}),
        ],
    )
    entry = next(w for w in queue.desk_snapshot(desk)["waiting"] if w["id"] == pk)
    assert entry["preview"].startswith("Mulla on ollut tosi raskasta koulussa ja kotona, Mulla")
    assert entry["preview"].endswith("…")
    assert len(entry["preview"]) <= queue.PREVIEW_CHARS + 1
    assert "\n" not in entry["preview"]
    # In the order reached, once each; small talk, the hand-off and crisis guidance are not subjects.
    assert entry["topics"] == ["kiusaaminen", "raha"]
    assert entry["crisis"] is False


def test_a_client_straight_to_a_person_shows_their_first_line_and_no_topics(demo: Any) -> None:
    from conversations.actions import messages

    desk = demo["desks"]["youth"]
    client, _token = clients.get_or_create_client(None)
    pk = starting.do_start(client, desk, nickname="Mimi", person=True)
    entry = next(w for w in queue.desk_snapshot(desk)["waiting"] if w["id"] == pk)
    assert (entry["preview"], entry["topics"]) == ("", [])
    messages.do_send_message(pk, body="Hei!\nOnko ketään?", client_msg_id="m1", client=client)
    messages.do_send_message(pk, body="toinen rivi", client_msg_id="m2", client=client)
    entry = next(w for w in queue.desk_snapshot(desk)["waiting"] if w["id"] == pk)
    assert entry["preview"] == "Hei! Onko ketään?"


def test_the_preview_is_cut_between_words() -> None:
    text = "sana " * 40
    preview = queue.preview_text(text)
    assert preview.endswith("sana…") and len(preview) <= queue.PREVIEW_CHARS + 1
    assert queue.preview_text(None) == ""
    assert queue.preview_text("  lyhyt   rivi ") == "lyhyt rivi"


def test_the_snapshot_with_previews_costs_the_same_queries_for_one_or_many_waiting(demo: Any, settings: Any) -> None:
    settings.DUTY_DEFAULT_MAX_CONVERSATIONS = 20  # Kalle takes ten here
    desk = demo["desks"]["youth"]
    kalle = demo["staff"]["counsellor"]
    with assert_num_queries(3):  # nobody waits: no query for topics (the waiting, those in progress, the inbox)
        queue.desk_snapshot(desk)
    lines: list[tuple[str, str, dict[str, Any]]] = [
        (SenderKind.CLIENT, "hei", {}),
        (SenderKind.BOT, "…", {"topic": "raha"}),
    ]
    for _i in range(2):
        bot_conversation(desk, lines)
    with assert_num_queries(4):  # the waiting with their first lines, their topics, those in progress, the inbox
        queue.desk_snapshot(desk)
    for i in range(20):
        pk = bot_conversation(desk, lines)
        if i % 2:
            assignment.do_take(kalle, conversation_id=pk)
    with assert_num_queries(4):
        snapshot = queue.desk_snapshot(desk)
    assert len(snapshot["waiting"]) == 12 and len(snapshot["active"]) == 10
    assert all(w["topics"] == ["raha"] and w["preview"] == "hei" for w in snapshot["waiting"])
    assert Conversation.objects.filter(desk=desk).count() == 22


def test_a_first_line_that_is_only_a_file_shows_its_kind(demo: Any) -> None:
    """A photo sent without words would be a blank preview: the entry names the file's kind for the console."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from conversations.actions import messages
    from conversations.actions.attachments import client_uploader, do_upload, inspect_and_store
    from tests.media import corpus

    desk = demo["desks"]["youth"]
    client, _token = clients.get_or_create_client(None)
    pk = starting.do_start(client, desk, nickname="Mimi", person=True)
    stored = inspect_and_store(SimpleUploadedFile("kirje.png", corpus.png()))
    attachment = do_upload(pk, "u1", client_uploader(client), stored)[0]
    messages.do_send_message(pk, body="", client_msg_id="m1", client=client, attachment=attachment.pk)
    entry = next(w for w in queue.desk_snapshot(desk)["waiting"] if w["id"] == pk)
    assert (entry["preview"], entry["preview_file"]) == ("", "image")
    # A line without a file has none; the inbox shows the newest line the same way.
    other = starting.do_start(clients.get_or_create_client(None)[0], desk, nickname="Nemo", person=True)
    assert next(w for w in queue.desk_snapshot(desk)["waiting"] if w["id"] == other)["preview_file"] is None
    Conversation.objects.filter(pk=pk).update(status=Status.MESSAGE)
    inbox = next(m for m in queue.desk_snapshot(desk)["messages"] if m["id"] == pk)
    assert (inbox["preview"], inbox["preview_file"]) == ("", "image")
    messages.do_send_message(pk, body="Mitä tää tarkoittaa?", client_msg_id="m2", client=client)
    inbox = next(m for m in queue.desk_snapshot(desk)["messages"] if m["id"] == pk)
    assert (inbox["preview"], inbox["preview_file"]) == ("Mitä tää tarkoittaa?", None)
