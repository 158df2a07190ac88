"""The bot answers beside the database thread (issue 9, item 4): acks do not wait for it, and it is bounded.

A client's line to the bot is acknowledged once stored; the bot's answer
follows as the next line, computed by the process's bot workers
(conversations.actions.messages, common.capacity). These tests hold the bot
inside its answer (a monkeypatched `Bot.answer` waiting on an event, in the
live server, which runs in this process) to see what a client sees meanwhile.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from django.conf import settings
from django.db import OperationalError
from django.db.models import F

from bot.engine import Bot, BotAnswer, MessageReading
from common.capacity import BoundedWork, run_every
from conversations.actions import clients, messages, starting
from conversations.models import Message, SenderKind
from tests.chat_helpers import Chat, new_id
from tests.protocol.test_protocol_bot import bot_reply, start_with_bot
from tests.support import Demo


class HeldBot:
    """`Bot.answer` that waits until released: the bot is busy answering for as long as a test likes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls = 0
        original = Bot.answer

        def answer(bot: Bot, text: str, lang: str | None = None, *, reading: MessageReading | None = None) -> BotAnswer:
            self.calls += 1
            self.entered.set()
            self.release.wait(20)
            return original(bot, text, lang, reading=reading)

        monkeypatch.setattr(Bot, "answer", answer)


@pytest.fixture
def held_bot(live: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldBot]:
    held = HeldBot(monkeypatch)
    yield held
    held.release.set()  # before the server is quieted and the database flushed


def later_bot_lines(events: list[dict[str, Any]], conversation: int, after: int) -> list[dict[str, Any]]:
    return [
        e
        for e in events
        if e.get("type") == "message"
        and e["conversation"] == conversation
        and e["sender"] == "bot"
        and e["seq"] > after
    ]


def test_the_ack_comes_while_the_bot_is_still_answering_and_a_resend_is_not_answered_twice(
    chat: Chat, held_bot: HeldBot
) -> None:
    client = chat.client()
    conversation = start_with_bot(client)
    msg_id = new_id()
    ack = client.say(conversation, "miten haen asumistukea", msg_id)
    assert held_bot.entered.wait(10), "the bot was asked"
    # Stored and acknowledged although the bot has not answered yet.
    assert Message.objects.filter(conversation_id=conversation, seq=ack["seq"], sender_kind="client").exists()
    assert not later_bot_lines(client.events, conversation, ack["seq"])
    # The page resends its line meanwhile (a reconnect): the same line, not a second question.
    again = client.say(conversation, "miten haen asumistukea", msg_id)
    assert again["seq"] == ack["seq"]

    held_bot.release.set()
    answer = client.wait_for("message", conversation=conversation, sender="bot", seq=ack["seq"] + 1)
    assert answer["code"] == "answer" and answer["args"]["topic"] == "housing-allowance"
    assert answer["args"]["reply_to"] == ack["seq"]
    assert not later_bot_lines(client.drain(0.5), conversation, answer["seq"])
    assert held_bot.calls == 1
    answers = Message.objects.filter(
        conversation_id=conversation, sender_kind=SenderKind.BOT, args__reply_to=ack["seq"]
    )
    assert answers.count() == 1


def test_with_every_place_taken_a_question_is_told_at_once_to_ask_again_and_a_crisis_is_still_met(
    chat: Chat, held_bot: HeldBot, settings: Any
) -> None:
    settings.BOT_CONCURRENT_ANSWERS = 1
    settings.BOT_QUEUE_MAX = 0
    first, second = chat.client(), chat.client()
    asking, waiting = start_with_bot(first), start_with_bot(second)
    first_ack = first.say(asking, "miten haen asumistukea")
    assert held_bot.entered.wait(10), "the one place is taken"

    ack = second.say(waiting, "miten haen kesätyöpaikkaa")
    busy = second.wait_for("message", conversation=waiting, sender="bot", seq=ack["seq"] + 1)
    assert busy["code"] == "busy" and busy["args"] == {"offer_human": True, "reply_to": ack["seq"]}
    assert busy["body"].startswith("Juuri nyt moni kysyy chatbotilta")
    # The crisis check is never put off: the guidance comes at once, busy or not.
    ack = second.say(waiting, "en jaksa enää, haluan kuolla")
    guidance = second.wait_for("message", conversation=waiting, sender="bot", seq=ack["seq"] + 1)
    assert guidance["code"] == "crisis" and guidance["args"]["reply_to"] == ack["seq"]

    held_bot.release.set()
    answer = first.wait_for("message", conversation=asking, sender="bot", seq=first_ack["seq"] + 1)
    assert answer["code"] == "answer"
    # The place is free again: the next question is answered.
    third = chat.client()
    assert bot_reply(third, start_with_bot(third), "miten haen asumistukea")["code"] == "answer"


def test_a_question_whose_answer_was_lost_is_answered_once_by_the_sweep(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _token = clients.get_or_create_client(None)
    conversation_id = starting.do_start(client, demo.desks.youth, nickname="", person=False)

    def database_gone(*args: Any) -> None:
        raise OperationalError("the database went away")

    with monkeypatch.context() as patch:
        patch.setattr(messages, "_store_answer", database_gone)
        question, created = messages.do_send_message(
            conversation_id, body="miten haen asumistukea", client_msg_id="q1", client=client
        )
    assert created
    replies = Message.objects.filter(conversation_id=conversation_id, args__reply_to=question.seq)
    assert not replies.exists()
    assert messages.do_answer_forgotten() == 0, "a question this recent may still be in line"

    Message.objects.filter(pk=question.pk).update(
        created_at=F("created_at") - dt.timedelta(seconds=settings.BOT_RECOVER_SECONDS + 1)
    )
    assert messages.do_answer_forgotten() == 1
    assert [(m.sender_kind, m.code) for m in replies] == [("bot", "answer")]
    assert messages.do_answer_forgotten() == 0
    assert replies.count() == 1


def test_bounded_work_refuses_beyond_its_places_and_the_sweep_repeats(transactional_db: Any) -> None:
    """The pool and the timer on a bare event loop (the database thread only tidies its connection)."""
    gate = threading.Event()
    done: list[str] = []
    ticks: list[int] = []

    def compute(name: str) -> str:
        gate.wait(10)
        return name

    async def main() -> list[bool]:
        work = BoundedWork("test-work", workers=1, queue_max=1)
        admitted = [work.submit(partial(compute, n), done.append) for n in ("a", "b", "c")]
        assert work.admitted == 2
        assert run_every(0.01, lambda: ticks.append(1), "test tick")
        gate.set()
        while len(done) < 2 or len(ticks) < 2:
            await asyncio.sleep(0.01)
        assert work.admitted == 0
        return admitted

    assert asyncio.run(asyncio.wait_for(main(), 20)) == [True, True, False]
    assert sorted(done) == ["a", "b"]
