"""The bot answers after the ack (issue 9, item 4): acks do not wait for it, and its line is bounded.

A client's line to the bot is acknowledged once stored; the bot's answer
follows as the next line, a job of the process's bot line
(conversations.actions.messages, common.capacity). These tests hold the jobs
before they reach the database thread (in the live server, which runs in
this process) to see what a client sees while the bot has not answered.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from django.conf import settings
from django.db import OperationalError
from django.db.models import F

from bot.engine import Bot, BotAnswer, MessageReading
from common import capacity
from common.capacity import BoundedWork, run_every
from conversations.actions import clients, messages, starting
from conversations.models import Message, SenderKind
from tests.chat_helpers import Chat, new_id
from tests.protocol.test_protocol_bot import bot_reply, start_with_bot
from tests.support import Demo


class HeldBot:
    """The bot's jobs wait until released (the bot has not begun to answer), and its answers are counted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.answers = 0
        in_database_thread = capacity._in_database_thread
        answer = Bot.answer

        async def held(function: Callable[[], object], name: str) -> None:
            if name == "bot-answer":
                self.entered.set()
                await asyncio.to_thread(self.release.wait, 20)
            await in_database_thread(function, name)

        def counted(
            bot: Bot, text: str, lang: str | None = None, *, reading: MessageReading | None = None
        ) -> BotAnswer:
            self.answers += 1
            return answer(bot, text, lang, reading=reading)

        monkeypatch.setattr(capacity, "_in_database_thread", held)
        monkeypatch.setattr(Bot, "answer", counted)


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
    # Stored and acknowledged although the bot has not begun to answer.
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
    assert held_bot.answers == 1
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


def test_bounded_work_refuses_beyond_its_places_gives_unused_ones_back_and_the_sweep_repeats(
    transactional_db: Any,
) -> None:
    """The bot line's mechanics on a bare event loop (the database thread only tidies its connection)."""
    done: list[str] = []
    ticks: list[int] = []

    async def main() -> None:
        work = BoundedWork("test-work", workers=1, queue_max=1)
        places = [work.reserve() for _ in range(3)]
        assert places[2] is None and work.admitted == 2, "two places: one in the line, one waiting"
        first, second = places[0], places[1]
        assert first is not None and second is not None
        second.release_unused()  # its transaction rolled back
        assert work.admitted == 1
        first.start(partial(done.append, "a"))
        assert run_every(0.01, partial(ticks.append, 1), "test tick")
        while not done or len(ticks) < 2:
            await asyncio.sleep(0.01)
        assert work.admitted == 0

    asyncio.run(asyncio.wait_for(main(), 20))
    assert done == ["a"]
