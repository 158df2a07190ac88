"""Retention: messages go after the promised days, statistics stay, nothing links them to a browser."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from bot.feedback import do_record_unanswered
from bot.models import AnswerVote, UnansweredQuestion
from conversations.actions import assignment, clients, closing, messages, notes, starting, votes
from conversations.models import Client, Conversation, Message, Note, Status
from conversations.retention import purge_expired

# The actions' after-commit events need a thread without a running event loop (conftest).


def closed_conversation(demo: Any, *, days_ago: float, bot: bool = False) -> Conversation:
    client, _token = clients.get_or_create_client(None)
    desk = demo["desks"]["youth"]
    conversation_id = starting.do_start(client, desk, nickname="Mimi", person=not bot)
    if bot:
        messages.do_send_message(conversation_id, client=client, body="miten haen asumistukea", client_msg_id="q1")
    else:
        messages.do_send_message(conversation_id, body="hei", client_msg_id="m1", client=client)
        assignment.do_take(demo["staff"]["counsellor"], conversation_id=conversation_id)
        notes.do_add_note(demo["staff"]["counsellor"], conversation_id, body="muistiinpano", client_msg_id="n1")
    closing.do_client_end(client, conversation_id)
    Conversation.objects.filter(pk=conversation_id).update(closed_at=timezone.now() - dt.timedelta(days=days_ago))
    return Conversation.objects.get(pk=conversation_id)


@pytest.mark.django_db(transaction=True)
def test_old_conversations_lose_their_messages_and_client_but_keep_their_statistics(demo: Any, settings: Any) -> None:
    settings.CHAT_RETENTION_DAYS = 30
    old = closed_conversation(demo, days_ago=31)
    old_bot = closed_conversation(demo, days_ago=40, bot=True)
    answer = Message.objects.get(conversation=old_bot, code="answer")
    votes.do_client_vote(old_bot.client, old_bot.pk, seq=answer.seq, helpful=True)  # type: ignore[arg-type]
    recent = closed_conversation(demo, days_ago=29)

    report = purge_expired()
    assert report.conversations_purged == 2 and report.messages_deleted > 0 and report.clients_deleted == 2

    for purged in (old, old_bot):
        purged.refresh_from_db()
        assert not Message.objects.filter(conversation=purged).exists()
        assert not Note.objects.filter(conversation=purged).exists()
        assert (purged.client_id, purged.nickname) == (None, "")
        assert purged.purged_at is not None and purged.closed_at is not None and purged.desk.slug == "youth"
    vote = AnswerVote.objects.get()
    assert (vote.topic, vote.helpful, vote.message_id) == ("housing-allowance", True, None)

    recent.refresh_from_db()
    assert recent.client_id is not None and recent.nickname == "Mimi"
    assert Message.objects.filter(conversation=recent).count() > 2
    assert Client.objects.count() == 1

    # Running again changes nothing.
    assert purge_expired().conversations_purged == 0


@pytest.mark.django_db(transaction=True)
def test_conversations_left_with_the_bot_are_closed_and_old_unanswered_questions_forgotten(
    demo: Any, settings: Any
) -> None:
    client, _token = clients.get_or_create_client(None)
    idle = starting.do_start(client, demo["desks"]["youth"])
    active = starting.do_start(client, demo["desks"]["youth"])
    Conversation.objects.filter(pk=idle).update(created_at=timezone.now() - dt.timedelta(days=2))
    Message.objects.filter(conversation_id=idle).update(created_at=timezone.now() - dt.timedelta(days=2))
    Conversation.objects.filter(pk=active).update(created_at=timezone.now() - dt.timedelta(days=2))
    messages.do_send_message(active, client=client, body="miten haen asumistukea", client_msg_id="x")

    do_record_unanswered("qwerty blorp", "fi")
    do_record_unanswered("zxcv vanha", "fi")
    UnansweredQuestion.objects.filter(text="zxcv vanha").update(
        last_seen=timezone.now() - dt.timedelta(days=settings.BOT_UNANSWERED_DAYS + 1)
    )

    report = purge_expired()
    assert report.idle_bot_conversations_closed == 1 and report.unanswered_deleted == 1
    assert Conversation.objects.get(pk=idle).status == Status.CLOSED
    assert Conversation.objects.get(pk=active).status == Status.BOT
    assert list(UnansweredQuestion.objects.values_list("text", flat=True)) == ["qwerty blorp"]


@pytest.mark.django_db(transaction=True)
def test_the_command_reports_what_it_did(demo: Any) -> None:
    closed_conversation(demo, days_ago=365)
    out = StringIO()
    call_command("purge_expired", stdout=out)
    assert "conversations purged: 1" in out.getvalue()
