"""The message path's cost in SQL statements (docs/architecture.md, "Speed": four plain statements).

Storing a chat message is the service's hot path: lock and read the
conversation, look for a resend, bump the sequence number, insert the message.
A resend is answered from the database without writing anything.
"""

from __future__ import annotations

from typing import Any

import pytest

from conversations.actions import assignment, clients, messages, starting
from conversations.models import Conversation
from tests.support import Demo, assert_num_queries

# The actions' after-commit events need a thread without a running event loop (conftest).


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


def test_a_staff_message_takes_four_statements(demo: Demo, conversation: Conversation) -> None:
    with assert_num_queries(4):  # the conversation, a resend?, last_seq, the message
        _message, created = messages.do_send_message(
            conversation.pk, body="Hei, miten voin auttaa?", client_msg_id="s1", staff=demo.staff.counsellor
        )
    assert created


def test_a_client_message_takes_four_statements_and_the_brain_version_check(conversation: Conversation) -> None:
    with assert_num_queries(5):  # the four, and whether the brain changed (the bot may answer)
        _message, created = messages.do_send_message(
            conversation.pk, body="Mulla on vähän huono päivä", client_msg_id="c1", client=conversation.client
        )
    assert created


def test_a_resend_writes_nothing(demo: Demo, conversation: Conversation) -> None:
    with assert_num_queries(3):  # the conversation, the resend found, the stored message
        _message, created = messages.do_send_message(
            conversation.pk, body="moi", client_msg_id="warm-s", staff=demo.staff.counsellor
        )
    assert not created


def test_a_client_line_to_the_bot_takes_the_same_statements_and_its_answer_a_transaction_of_its_own(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bot's answer is not in the line's transaction: the ack does not wait for it (issue 9, item 4)."""
    client, _token = clients.get_or_create_client(None)
    conversation_id = starting.do_start(client, demo.desks.youth, nickname="", person=False)
    messages.do_send_message(conversation_id, body="moi", client_msg_id="warm", client=client)
    answer_question = messages.answer_question
    asked: list[tuple[Any, ...]] = []
    monkeypatch.setattr(messages, "answer_question", lambda *args: asked.append(args))
    with assert_num_queries(5):  # as to a person: the four, and whether the brain changed
        _message, created = messages.do_send_message(
            conversation_id, body="miten haen asumistukea", client_msg_id="c1", client=client
        )
    assert created and len(asked) == 1
    with assert_num_queries(4):  # the conversation locked, answered already?, last_seq, the answer
        answer_question(*asked[0])
