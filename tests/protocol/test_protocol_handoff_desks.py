"""A hand-off from the bot goes to the desk of the topic answered last (`handoff_desk`), over the real protocol.

The starter brain hands homework questions to the `homework` desk (homework-help)
and parents' questions to the `parents` desk (the parents-* topics); a topic
without a hand-off desk, or one whose desk is closed, hands over to the
conversation's own desk (conversations.actions.bot.handoff_desk). The demo desks
are always open here (the `demo` fixture removes their hours): youth (bot on;
Kalle and Aino), homework (Ville, a volunteer, only there) and parents (Kalle).
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.cache import get_bot
from conversations.models import Conversation, Status, Transfer
from tests.chat_helpers import Chat, messages
from tests.protocol.test_protocol_bot import bot_reply, closed_now, start_with_bot
from tests.wsclient import ProtocolClient

HOMEWORK_QUESTION = "en tajua matikan läksyjä, voiko joku auttaa yhtälöiden kanssa"
ASK_FOR_A_PERSON = {
    "fi": "haluun puhua ihmisen kanssa",
    "sv": "jag vill prata med en människa",
}


@pytest.fixture(autouse=True)
def built_bot(demo: Any) -> None:
    """The process's bot (the live server runs in this process) built before the first question.

    Building it reads every example question (seconds on a busy machine, more
    when its models must be trained afresh): not within a test's wait for an answer.
    """
    get_bot()


def bot_client(chat: Chat, lang: str = "fi") -> tuple[ProtocolClient, int]:
    """A client (its page in `lang`) talking with the bot at the youth desk, a general desk where the bot answers."""
    client = chat.client(hello=False)
    client.hello(lang=lang)
    return client, start_with_bot(client, "youth")


def ask_for_a_person(client: ProtocolClient, conversation: int, lang: str) -> dict[str, Any]:
    """Ask the bot for a person in words; returns the client's `conversation` event once it is queued."""
    reply = bot_reply(client, conversation, ASK_FOR_A_PERSON[lang])
    assert reply["code"] == "answer" and reply["args"]["topic"] == "handoff", reply["args"]
    state = client.read_until(
        lambda e: e["type"] == "conversation" and e["conversation"]["status"] == "queued", "queued", timeout=5
    )
    return dict(state["conversation"])


def seen_waiting(staff: ProtocolClient, desk: str, conversation: int) -> dict[str, Any]:
    """The waiting item of `conversation` in a `desk` snapshot for `staff` (received already or still coming)."""

    def item(event: dict[str, Any]) -> dict[str, Any] | None:
        if event["type"] != "desk" or event["desk"]["slug"] != desk:
            return None
        return next((w for w in event["waiting"] if w["id"] == conversation), None)

    for event in staff.events:
        if found := item(event):
            return found
    found = item(staff.read_until(lambda e: item(e) is not None, f"{desk} snapshot with {conversation} waiting"))
    assert found is not None
    return found


def never_sees(staff: ProtocolClient, conversation: int) -> None:
    """`staff` is shown `conversation` in no desk snapshot, and may not take it (as if it did not exist)."""
    staff.drain(0.7)  # longer than a desk's snapshot interval: a coalesced snapshot has arrived by now
    for event in staff.events:
        if event["type"] == "desk":
            listed = [w["id"] for w in event["waiting"]] + [a["id"] for a in event["active"]]
            assert conversation not in listed, event
    refused = staff.answer({"type": "take", "conversation": conversation})
    assert (refused["type"], refused["code"]) == ("error", "not_found")


def handed_to(client: ProtocolClient, conversation: int) -> str:
    """The desk name in the client's system line `handed_off`."""
    line = next(m for m in messages(client.events, conversation) if m["code"] == "handed_off")
    assert line["sender"] == "system"
    return str(line["args"]["desk"])


def test_a_homework_question_hands_over_to_the_homework_desk(chat: Chat, demo: Any) -> None:
    ville, kalle, aino = chat.staff("volunteer"), chat.staff("counsellor"), chat.staff("counsellor2")
    client, conversation = bot_client(chat)
    answer = bot_reply(client, conversation, HOMEWORK_QUESTION)
    assert answer["code"] == "answer" and answer["args"]["topic"] == "homework-help"
    assert answer["args"]["handoff_desk"] == "homework"

    state = ask_for_a_person(client, conversation, "fi")
    # What the client sees: the homework desk, and its place in that desk's queue.
    assert state["desk"]["slug"] == "homework" and state["desk"]["name"] == "Läksyapu"
    assert handed_to(client, conversation) == "Läksyapu"
    assert client.wait_for("queue", conversation=conversation)["position"] == 1
    stored = Conversation.objects.get(pk=conversation)
    assert (stored.desk.slug, stored.status, stored.handoff_reason) == ("homework", Status.QUEUED, "asked")
    transfer = Transfer.objects.get(conversation_id=conversation)
    assert (transfer.from_desk.slug, transfer.to_desk.slug, transfer.from_staff) == ("youth", "homework", None)

    # The homework desk's volunteer sees it waiting, with the reason; staff of the other desks do not.
    assert seen_waiting(ville, "homework", conversation)["handoff_reason"] == "asked"
    never_sees(kalle, conversation)  # parents and youth, not homework
    never_sees(aino, conversation)  # youth, where it started

    # And the volunteer can take it, with the bot part in the transcript.
    taken = chat.take(ville, conversation)
    assert taken["desk"]["slug"] == "homework" and taken["status"] == "active"
    assert any(m["body"] == HOMEWORK_QUESTION for m in messages(ville.events, conversation))


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("fi", "poikani ei ole käynyt koulussa kahteen viikkoon, mitä vanhempana voin tehdä"),
        ("sv", "vår tonåring sitter med mobilen hela kvällarna, hur begränsar jag skärmtiden"),
    ],
)
def test_a_parents_question_hands_over_to_the_parents_desk(chat: Chat, demo: Any, lang: str, question: str) -> None:
    kalle, ville, aino = chat.staff("counsellor"), chat.staff("volunteer"), chat.staff("counsellor2")
    client, conversation = bot_client(chat, lang)
    answer = bot_reply(client, conversation, question)
    assert answer["code"] == "answer" and answer["args"]["topic"].startswith("parents-"), answer["args"]
    assert answer["args"]["lang"] == lang and answer["args"]["handoff_desk"] == "parents"

    state = ask_for_a_person(client, conversation, lang)
    # The desk's name in the client's language (desks/translation.py).
    name = {"fi": "Vanhempien linja", "sv": "Föräldralinjen"}[lang]
    assert state["desk"]["slug"] == "parents" and state["desk"]["name"] == name
    assert handed_to(client, conversation) == name
    assert client.wait_for("queue", conversation=conversation)["position"] == 1
    stored = Conversation.objects.get(pk=conversation)
    assert (stored.desk.slug, stored.status, stored.language) == ("parents", Status.QUEUED, lang)

    waiting = seen_waiting(kalle, "parents", conversation)
    assert (waiting["handoff_reason"], waiting["language"]) == ("asked", lang)
    never_sees(ville, conversation)  # homework only
    never_sees(aino, conversation)  # youth only


def test_a_topic_without_a_handoff_desk_hands_over_to_the_conversations_own_desk(chat: Chat, demo: Any) -> None:
    aino, ville = chat.staff("counsellor2"), chat.staff("volunteer")
    client, conversation = bot_client(chat)
    answer = bot_reply(client, conversation, "miten haen asumistukea")
    assert answer["args"]["topic"] == "housing-allowance" and "handoff_desk" not in answer["args"]

    state = ask_for_a_person(client, conversation, "fi")
    assert state["desk"]["slug"] == "youth"
    assert handed_to(client, conversation) == "Nuorten chat"
    assert client.wait_for("queue", conversation=conversation)["position"] == 1
    assert not Transfer.objects.filter(conversation_id=conversation).exists()
    assert seen_waiting(aino, "youth", conversation)["handoff_reason"] == "asked"
    never_sees(ville, conversation)


def test_the_topic_answered_last_decides_and_a_closed_desk_is_passed_over(chat: Chat, demo: Any) -> None:
    # A homework answer followed by one without a desk: the later one decides (the own desk).
    client, conversation = bot_client(chat)
    bot_reply(client, conversation, HOMEWORK_QUESTION)
    bot_reply(client, conversation, "miten haen asumistukea")
    assert ask_for_a_person(client, conversation, "fi")["desk"]["slug"] == "youth"

    # Small talk is no subject: after a homework answer and a thank-you, the hand-off button
    # goes to the homework desk too...
    ville = chat.staff("volunteer")
    client, conversation = bot_client(chat)
    bot_reply(client, conversation, HOMEWORK_QUESTION)
    assert bot_reply(client, conversation, "kiitos paljon")["args"]["topic"] == "smalltalk"
    client.send({"type": "handoff", "conversation": conversation})
    state = client.read_until(
        lambda e: e["type"] == "conversation" and e["conversation"]["status"] == "queued", "queued"
    )
    assert state["conversation"]["desk"]["slug"] == "homework"
    seen_waiting(ville, "homework", conversation)

    # ...but while the homework desk is closed, to the conversation's own desk, where someone answers.
    closed_now(demo.desks.homework)
    client, conversation = bot_client(chat)
    bot_reply(client, conversation, HOMEWORK_QUESTION)
    assert ask_for_a_person(client, conversation, "fi")["desk"]["slug"] == "youth"
    assert handed_to(client, conversation) == "Nuorten chat"


def test_a_crisis_after_a_homework_answer_stays_with_the_conversations_own_desk(chat: Chat, demo: Any) -> None:
    # Acute risk goes to the counsellors of the desk the client chose, not to the homework volunteers.
    aino, ville = chat.staff("counsellor2"), chat.staff("volunteer")
    client, conversation = bot_client(chat)
    bot_reply(client, conversation, HOMEWORK_QUESTION)
    crisis = bot_reply(client, conversation, "en jaksa enää elää, haluun kuolla")
    assert crisis["code"] == "crisis"
    state = client.read_until(
        lambda e: e["type"] == "conversation" and e["conversation"]["status"] == "queued", "queued", timeout=5
    )
    assert state["conversation"]["desk"]["slug"] == "youth"
    assert not Transfer.objects.filter(conversation_id=conversation).exists()
    assert seen_waiting(aino, "youth", conversation)["handoff_reason"] == "crisis"
    never_sees(ville, conversation)
