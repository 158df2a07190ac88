"""The client's own frames of issue 12 over real sockets: optional answers, feedback, deleting a conversation."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from tests.chat_helpers import new_id, rows


def closed_conversation(chat: Any) -> tuple[Any, Any, int]:
    """A youth conversation the counsellor answered and closed: (client, counsellor, id)."""
    client = chat.client()
    conversation = chat.start(client, desk="youth", nickname="Mimi")
    counsellor = chat.staff("counsellor")
    chat.take(counsellor, conversation)
    client.say(conversation, "Hei, tarvitsen apua.")
    counsellor.say(conversation, "Hei! Kerro lisää.")
    counsellor.send({"type": "close", "conversation": conversation, "outcome": "answered", "ref": "close"})
    client.read_until(lambda e: e.get("type") == "conversation" and e["conversation"]["status"] == "closed", "closed")
    return client, counsellor, conversation


def test_client_answers_the_optional_questions_before_and_after_the_chat(chat: Any) -> None:
    from conversations.models import Conversation
    from stats.models import ContactRecord, Municipality

    Municipality.objects.get_or_create(code="091", defaults={"name": "Helsinki", "name_sv": "Helsingfors"})
    client = chat.client()
    conversation = chat.start(client, desk="youth")
    ref = new_id()
    client.send({"type": "about", "conversation": conversation, "age_group": "16_17", "ref": ref})
    assert client.wait_for_ref(ref) == {"type": "done", "conversation": conversation, "frame": "about", "ref": ref}
    row = Conversation.objects.get(pk=conversation)
    assert (row.client_age_group, row.client_municipality) == ("16_17", "")

    # A value not on the lists is refused and nothing changes.
    for field, value in (("age_group", "16-17"), ("municipality", "999")):
        ref = new_id()
        client.send({"type": "about", "conversation": conversation, field: value, "ref": ref})
        error = client.wait_for_ref(ref)
        assert (error["type"], error["code"], error["field"]) == ("error", "bad_message", field)
    row.refresh_from_db()
    assert (row.client_age_group, row.client_municipality) == ("16_17", "")

    # After the close the answers go into the contact record too, unless the counsellor completed it.
    client.send({"type": "end", "conversation": conversation})
    client.read_until(lambda e: e.get("type") == "conversation" and e["conversation"]["status"] == "closed", "end")
    record = ContactRecord.objects.filter(conversation_id=conversation).first()
    if record is None:  # the record is made on close by stats.records (another part of issue 12)
        record = ContactRecord.objects.create(
            organisation=row.desk.organisation, desk=row.desk, conversation=row, started_at=row.created_at
        )
    ref = new_id()
    client.send({"type": "about", "conversation": conversation, "municipality": "091", "ref": ref})
    assert client.wait_for_ref(ref)["type"] == "done"
    record.refresh_from_db()
    assert record.municipality == "091"
    row.refresh_from_db()
    assert (row.client_age_group, row.client_municipality) == ("16_17", "091")

    from django.utils import timezone

    ContactRecord.objects.filter(pk=record.pk).update(completed_at=timezone.now(), municipality="")
    ref = new_id()
    client.send({"type": "about", "conversation": conversation, "municipality": "other", "ref": ref})
    assert client.wait_for_ref(ref)["type"] == "done"
    record.refresh_from_db()
    assert record.municipality == ""  # what the counsellor recorded stands
    chat.assert_protocol_followed()


def test_client_rates_an_ended_conversation_once(chat: Any) -> None:
    from conversations.models import Conversation
    from stats.models import Feedback

    client = chat.client()
    conversation = chat.start(client, desk="youth")

    # Not while it is open.
    before = rows()
    ref = new_id()
    client.send({"type": "feedback", "conversation": conversation, "rating": 5, "ref": ref})
    assert client.wait_for_ref(ref)["code"] == "forbidden"
    assert rows() == before

    client.send({"type": "end", "conversation": conversation})
    state = client.read_until(
        lambda e: e.get("type") == "conversation" and e["conversation"]["status"] == "closed", "closed"
    )["conversation"]
    assert state["rated"] is False
    before = rows()

    # Out of range, nothing at all, or too long a comment: refused, nothing stored.
    for frame, code in (
        ({"rating": 6}, "bad_message"),
        ({"rating": 0}, "bad_message"),
        ({}, "bad_message"),
        ({"rating": 4, "comment": "x" * 1001}, "too_large"),
    ):
        ref = new_id()
        client.send({"type": "feedback", "conversation": conversation, **frame, "ref": ref})
        assert client.wait_for_ref(ref)["code"] == code, frame
    assert rows() == before

    ref = new_id()
    client.send(
        {
            "type": "feedback",
            "conversation": conversation,
            "rating": 4,
            "helped": True,
            "comment": " Kiitos! ",
            "ref": ref,
        }
    )
    assert client.wait_for_ref(ref)["frame"] == "feedback"
    feedback = Feedback.objects.get()
    row = Conversation.objects.get(pk=conversation)
    assert (feedback.desk_id, feedback.organisation_id) == (row.desk_id, row.desk.organisation_id)
    assert (feedback.rating, feedback.helped, feedback.comment) == (4, True, "Kiitos!")
    assert row.feedback_at is not None
    assert feedback.given_on == timezone.localdate(row.feedback_at), "the Helsinki day of the rating"

    # A second rating is refused clearly.
    ref = new_id()
    client.send({"type": "feedback", "conversation": conversation, "rating": 1, "ref": ref})
    error = client.wait_for_ref(ref)
    # Told in the client's language (the socket's default, Finnish, here).
    assert (error["code"], error["message"]) == ("already_given", "Olet jo antanut palautetta tästä chatista. Kiitos!")
    assert Feedback.objects.count() == 1

    # A reloaded page learns that it was rated.
    client.send({"type": "resume", "conversation": conversation, "after": 0, "ref": "again"})
    assert client.wait_for("conversation", ref="again")["conversation"]["rated"] is True
    chat.assert_protocol_followed()


def test_rating_goes_into_the_contact_record(chat: Any) -> None:
    from conversations.models import Conversation
    from stats.models import ContactRecord

    client = chat.client()
    conversation = chat.start(client, desk="youth")
    client.send({"type": "end", "conversation": conversation})
    client.read_until(lambda e: e.get("type") == "conversation" and e["conversation"]["status"] == "closed", "end")
    row = Conversation.objects.get(pk=conversation)
    record, _created = ContactRecord.objects.get_or_create(
        conversation=row,
        defaults={"organisation": row.desk.organisation, "desk": row.desk, "started_at": row.created_at},
    )
    ref = new_id()
    client.send({"type": "feedback", "conversation": conversation, "rating": 2, "helped": False, "ref": ref})
    assert client.wait_for_ref(ref)["type"] == "done"
    record.refresh_from_db()
    assert (record.feedback_rating, record.feedback_helped) == (2, False)


def test_client_deletes_an_open_conversation_at_once(chat: Any) -> None:
    from conversations.models import Conversation, Message, Note

    client = chat.client()
    conversation = chat.start(client, desk="youth", nickname="Mimi")
    counsellor = chat.staff("counsellor")
    chat.take(counsellor, conversation)
    client.say(conversation, "Tämä on salaisuus.")
    counsellor.send({"type": "note", "conversation": conversation, "id": new_id(), "body": "Muistiinpano"})
    counsellor.wait_for("note", conversation=conversation)

    ref = new_id()
    client.send({"type": "delete", "conversation": conversation, "ref": ref})
    assert client.wait_for_ref(ref) == {"type": "done", "conversation": conversation, "frame": "delete", "ref": ref}

    # The counsellor is told; nothing of the words is left.
    counsellor.wait_for("deleted", conversation=conversation)
    state = counsellor.read_until(
        lambda e: e.get("type") == "conversation" and e["conversation"]["deleted"], "deleted state"
    )["conversation"]
    assert state["status"] == "closed" and state["nickname"] == ""
    assert not Message.objects.filter(conversation_id=conversation).exists()
    assert not Note.objects.filter(conversation_id=conversation).exists()
    row = Conversation.objects.get(pk=conversation)
    assert row.deleted_by_client_at is not None and row.client_id is None and row.nickname == ""
    assert row.outcome == "" or row.outcome == "client_left"
    assert row.closed_by_client

    # It is no longer the client's: every frame on it answers as a missing one, and nothing can bring it back.
    for frame in (
        {"type": "resume", "conversation": conversation, "after": 0},
        {"type": "delete", "conversation": conversation},
        {"type": "feedback", "conversation": conversation, "rating": 5},
    ):
        ref = new_id()
        client.send({**frame, "ref": ref})
        assert client.wait_for_ref(ref)["code"] == "not_found", frame

    # The counsellor reading it again sees only that it was deleted.
    counsellor.send({"type": "resume", "conversation": conversation, "after": 0, "ref": "again"})
    assert counsellor.wait_for("conversation", ref="again")["conversation"]["deleted"] is True
    counsellor.wait_for("synced", conversation=conversation)
    chat.assert_protocol_followed()


def test_a_rating_is_never_shown_to_staff(chat: Any) -> None:
    client, counsellor, conversation = closed_conversation(chat)
    ref = new_id()
    client.send({"type": "feedback", "conversation": conversation, "rating": 3, "ref": ref})
    assert client.wait_for_ref(ref)["type"] == "done"
    counsellor.send({"type": "resume", "conversation": conversation, "after": 0, "ref": "again"})
    state = counsellor.wait_for("conversation", ref="again")["conversation"]
    assert "rated" not in state
    chat.assert_protocol_followed()
