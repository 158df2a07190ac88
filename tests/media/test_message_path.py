"""A line that sends a file stays on the message path: two statements more than a line of text, a resend none.

Read with the history and a resume (`select_related`): never a query per line.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conversations.actions import assignment, clients, messages, starting, transcript
from conversations.actions.attachments import client_uploader, do_upload, inspect_and_store
from conversations.models import Attachment, Conversation
from conversations.outbound import message_event
from tests.media import corpus
from tests.support import Demo, assert_num_queries


@pytest.fixture
def conversation(demo: Demo) -> Conversation:
    """A conversation a counsellor has taken, after one message each way (the bot and caches warmed up)."""
    client, _token = clients.get_or_create_client(None)
    conversation_id = starting.do_start(client, demo.desks.youth, nickname="Mimi", person=True)
    assignment.do_take(demo.staff.counsellor, conversation_id=conversation_id)
    conversation = Conversation.objects.select_related("client").get(pk=conversation_id)
    messages.do_send_message(conversation_id, body="hei", client_msg_id="warm-c", client=conversation.client)
    messages.do_send_message(conversation_id, body="moi", client_msg_id="warm-s", staff=demo.staff.counsellor)
    return conversation


def uploaded(conversation: Conversation, upload_id: str) -> Attachment:
    assert conversation.client is not None
    stored = inspect_and_store(SimpleUploadedFile("photo.png", corpus.png()))
    return do_upload(conversation.pk, upload_id, client_uploader(conversation.client), stored)[0]


@pytest.mark.django_db(transaction=True)
def test_a_line_with_a_file_takes_two_statements_more(conversation: Conversation) -> None:
    attachment = uploaded(conversation, "u1")
    with assert_num_queries(7):  # the client's five, the upload locked, the upload linked
        message, created = messages.do_send_message(
            conversation.pk, body="", client_msg_id="c1", client=conversation.client, attachment=attachment.pk
        )
    assert created and message_event(message)["attachment"]["id"] == attachment.pk
    with assert_num_queries(4):  # a resend: the brain version, the conversation, the resend found, the line
        messages.do_send_message(
            conversation.pk, body="", client_msg_id="c1", client=conversation.client, attachment=attachment.pk
        )
    assert Attachment.objects.get().message_id == message.pk


@pytest.mark.django_db(transaction=True)
def test_a_resume_reads_the_files_with_the_lines(conversation: Conversation) -> None:
    for n in range(3):
        attachment = uploaded(conversation, f"u{n}")
        messages.do_send_message(
            conversation.pk, body="", client_msg_id=f"c{n}", client=conversation.client, attachment=attachment.pk
        )
    with assert_num_queries(1):
        events = [message_event(m) for m in transcript.messages_after(conversation, 0)]
    assert sum("attachment" in event for event in events) == 3
