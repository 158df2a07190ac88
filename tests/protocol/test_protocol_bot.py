"""The bot part of a conversation over the real protocol: answers, hand-off, crisis, closed desks, votes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from bot.cache import get_bot
from bot.models import AnswerVote, UnansweredQuestion
from conversations.models import Conversation, Message, Status
from desks.hours import set_hours
from tests.chat_helpers import Chat, messages, new_id, rows
from tests.wsclient import ProtocolClient


def start_with_bot(client: ProtocolClient, desk: str = "youth") -> int:
    client.send({"type": "start", "desk": desk, "ref": "start"})
    state = client.wait_for("conversation", ref="start")["conversation"]
    assert state["status"] == "bot"
    client.wait_for("synced", conversation=state["id"])
    return int(state["id"])


def bot_reply(client: ProtocolClient, conversation: int, text: str) -> dict[str, Any]:
    """Say `text` and return the bot's answer to it."""
    ack = client.say(conversation, text)
    return client.wait_for("message", conversation=conversation, sender="bot", seq=ack["seq"] + 1)


def waiting_first(staff: ProtocolClient, conversation: int) -> dict[str, Any]:
    """The first desk snapshot (received already or still coming) with `conversation` first in line."""
    for event in staff.events:
        if event["type"] == "desk" and [w["id"] for w in event["waiting"]][:1] == [conversation]:
            return event
    while True:
        event = staff.wait_for("desk")
        if [w["id"] for w in event["waiting"]][:1] == [conversation]:
            return event


def closed_now(desk: Any) -> str:
    """Opening hours that exclude the present moment (one hour, twelve hours from now)."""
    opens = (timezone.localtime() + dt.timedelta(hours=12)).replace(second=0, microsecond=0)
    closes = opens + dt.timedelta(hours=1)
    set_hours(desk, [(opens.weekday(), opens.time(), closes.time())])
    # As Finnish writes the time (Django's fi TIME_FORMAT "G.i"): no leading zero, "0.13", "9.05".
    return f"{opens.hour}.{opens.minute:02d}" if opens.minute else str(opens.hour)


def test_the_bot_greets_answers_in_the_clients_language_and_waits_outside_the_queue(chat: Chat, demo: Any) -> None:
    counsellor = chat.staff("counsellor")
    client = chat.client()
    conversation = start_with_bot(client)
    greeting = messages(client.events, conversation)[-1]
    assert greeting["sender"] == "bot" and greeting["code"] == "greeting"
    assert "Nuorten chat" in greeting["body"] and greeting["args"]["offer_human"] is True
    # The bot part is not a queue: no counsellor sees it waiting, no place in line.
    assert not [e for e in client.events if e["type"] == "queue"]
    snapshot = counsellor.drain(0.3)
    assert all(conversation not in [w["id"] for w in e["waiting"]] for e in snapshot if e["type"] == "desk")

    reply = bot_reply(client, conversation, "miten haen asumistukea")
    assert reply["code"] == "answer" and reply["args"]["topic"] == "housing-allowance"
    assert reply["args"]["lang"] == "fi" and "Kela" in reply["body"]
    assert "<a href=" in reply["html"] and "<script" not in reply["html"]
    assert reply["args"]["suggestions"], "follow-up topics are offered as buttons"

    english = bot_reply(client, conversation, "how do I apply for housing allowance")
    assert english["args"]["topic"] == "housing-allowance" and english["args"]["lang"] == "en"
    assert english["body"] != reply["body"]
    assert Conversation.objects.get(pk=conversation).status == Status.BOT


def test_a_resent_question_is_answered_once(chat: Chat, demo: Any) -> None:
    client = chat.client()
    conversation = start_with_bot(client)
    msg_id = new_id()
    first = client.say(conversation, "miten haen asumistukea", msg_id)
    client.wait_for("message", conversation=conversation, sender="bot", seq=first["seq"] + 1)
    again = client.say(conversation, "miten haen asumistukea", msg_id)
    assert again["seq"] == first["seq"]
    assert not [e for e in client.drain(0.4) if e.get("sender") == "bot"]
    assert Message.objects.filter(conversation_id=conversation, sender_kind="bot", code="answer").count() == 1


def test_not_sure_offers_topics_and_a_person_and_the_question_is_counted_masked(chat: Chat, demo: Any) -> None:
    client = chat.client()
    conversation = start_with_bot(client)
    reply = bot_reply(client, conversation, "qwerty blorp zxcv 040 123 4567")
    assert reply["code"] == "not_sure" and reply["args"]["topic"] == "unknown"
    assert reply["args"]["offer_human"] is True
    bot_reply(client, conversation, "qwerty blorp zxcv 040 123 4567")
    question = UnansweredQuestion.objects.get()
    assert question.count == 2 and "123" not in question.text and "[number]" in question.text

    # The client accepts the offer: into the queue, and the counsellor sees why.
    counsellor = chat.staff("counsellor")
    client.send({"type": "handoff", "conversation": conversation, "reason": "bot_unsure"})
    queue = client.wait_for("queue", conversation=conversation)
    assert queue["position"] == 1
    waiting = waiting_first(counsellor, conversation)["waiting"][0]
    assert waiting["handoff_reason"] == "bot_unsure"


def test_choosing_a_suggested_topic_answers_it(chat: Chat, demo: Any) -> None:
    client = chat.client()
    conversation = start_with_bot(client)
    msg_id = new_id()
    ack = client.answer({"type": "choose", "conversation": conversation, "id": msg_id, "topic": "work-tax-card"})
    assert ack["type"] == "ack"
    reply = client.wait_for("message", conversation=conversation, sender="bot", seq=ack["seq"] + 1)
    assert reply["args"]["topic"] == "work-tax-card"
    mine = Message.objects.get(conversation_id=conversation, seq=ack["seq"])
    assert (mine.sender_kind, mine.body) == ("client", get_bot().title("work-tax-card", "fi"))

    before = rows()
    refused = client.answer({"type": "choose", "conversation": conversation, "id": new_id(), "topic": "no-such"})
    assert (refused["code"], refused["field"]) == ("bad_message", "topic")
    refused = client.answer({"type": "choose", "conversation": conversation, "id": new_id(), "topic": "crisis"})
    assert refused["code"] == "bad_message"
    assert rows() == before


def test_asking_for_a_person_hands_over_with_the_bot_part_in_the_transcript(chat: Chat, demo: Any) -> None:
    counsellor = chat.staff("counsellor")
    client = chat.client()
    conversation = start_with_bot(client)
    bot_reply(client, conversation, "miten haen asumistukea")
    handoff = bot_reply(client, conversation, "haluun puhua jonku oikeen ihmisen kanssa")
    assert handoff["args"]["topic"] == "handoff"
    moved = client.wait_for("message", conversation=conversation, sender="system", code="handed_off")
    assert moved["args"]["desk"] == "Nuorten chat"
    assert client.wait_for("queue", conversation=conversation)["position"] == 1
    stored = Conversation.objects.get(pk=conversation)
    assert (stored.status, stored.handoff_reason) == (Status.QUEUED, "asked")

    state = chat.take(counsellor, conversation)
    assert state["handoff_reason"] == "asked"
    transcript = messages(counsellor.events, conversation)
    bot_lines = [m for m in transcript if m["sender"] == "bot"]
    assert [m["code"] for m in bot_lines] == ["greeting", "answer", "answer"]
    assert any(m["body"] == "miten haen asumistukea" for m in transcript)

    # With a person, the bot keeps quiet.
    client.say(conversation, "moi, kiitos")
    assert not [e for e in client.drain(0.4) if e.get("sender") == "bot"]
    refused = client.answer({"type": "choose", "conversation": conversation, "id": new_id(), "topic": "work-tax-card"})
    assert refused["code"] == "not_with_bot"


def test_a_crisis_with_the_bot_goes_to_the_top_of_the_queue_and_alerts_every_counsellor(chat: Chat, demo: Any) -> None:
    kalle, aino, outi = chat.staff("counsellor"), chat.staff("counsellor2"), chat.staff("studycounsellor")
    earlier = chat.client()
    waiting = chat.start(earlier)
    client = chat.client()
    conversation = start_with_bot(client)
    ack = client.say(conversation, "en jaksa enää, haluan kuolla")
    guidance = client.wait_for("message", conversation=conversation, sender="bot", seq=ack["seq"] + 1)
    assert guidance["code"] == "crisis" and "112" in guidance["body"]
    assert client.wait_for("queue", conversation=conversation)["position"] == 1
    assert earlier.wait_for("queue", conversation=waiting, position=2)
    for staff in (kalle, aino):
        alert = staff.wait_for("alert", conversation=conversation)
        assert alert["kind"] == "crisis" and alert["desk"]["slug"] == "youth"
        desk = waiting_first(staff, conversation)
        assert desk["waiting"][0]["crisis"] is True and desk["waiting"][0]["urgent"] is True
    assert not [e for e in outi.drain(0.4) if e["type"] == "alert"]
    stored = Conversation.objects.get(pk=conversation)
    assert stored.urgent and stored.crisis_at is not None and stored.handoff_reason == "crisis"

    # "Take next" takes the crisis first.
    taken = kalle.answer({"type": "take", "desk": demo["desks"]["youth"].pk})
    assert taken["conversation"]["id"] == conversation and taken["conversation"]["crisis"] is True


def test_a_crisis_written_to_a_person_shows_guidance_and_flags_the_conversation(chat: Chat, demo: Any) -> None:
    kalle, aino = chat.staff("counsellor"), chat.staff("counsellor2")
    client = chat.client()
    conversation = chat.start(client)
    chat.take(kalle, conversation)
    ack = client.say(conversation, "mä viiltelen taas itteeni")
    guidance = client.wait_for("message", conversation=conversation, sender="bot", seq=ack["seq"] + 1)
    assert guidance["code"] == "crisis"
    assert client.wait_for("conversation")["conversation"]["crisis"] is True
    assert aino.wait_for("alert", conversation=conversation)["status"] == "active"
    assert kalle.wait_for("alert", conversation=conversation)["assigned"] == demo["staff"]["counsellor"].pk
    # Another alarming line soon after: the flag stays, the long guidance is not repeated.
    ack = client.say(conversation, "haluun kuolla")
    aino.wait_for("alert", conversation=conversation)
    assert not [e for e in client.drain(0.4) if e.get("sender") == "bot"]
    assert Message.objects.filter(conversation_id=conversation, code="crisis").count() == 1


def test_a_closed_desk_says_so_and_what_to_do_instead(chat: Chat, demo: Any) -> None:
    parents = demo["desks"]["parents"]
    opening = closed_now(parents)
    client = chat.client()
    conversation = start_with_bot(client, "parents")
    greeting = messages(client.events, conversation)[-1]
    assert "Vanhempien linja" in greeting["body"] and opening in greeting["body"]
    client.send({"type": "handoff", "conversation": conversation})
    closed = client.wait_for("message", conversation=conversation, sender="bot", code="desk_closed")
    assert "112" in closed["body"] and parents.closed_message[:20] in closed["body"]
    assert Conversation.objects.get(pk=conversation).status == Status.BOT
    assert not [e for e in client.events if e["type"] == "queue"]

    # A desk without the bot refuses a start while closed, and says when it opens.
    homework = demo["desks"]["homework"]
    closed_now(homework)
    before = rows()
    refused = client.answer({"type": "start", "desk": "homework"})
    assert refused["code"] == "desk_closed" and "Läksyapu" in refused["message"]
    assert rows() == before


def test_votes_on_answers_are_counted_per_topic_and_can_change(chat: Chat, demo: Any) -> None:
    client = chat.client()
    conversation = start_with_bot(client)
    reply = bot_reply(client, conversation, "miten haen asumistukea")
    client.send({"type": "vote", "conversation": conversation, "seq": reply["seq"], "helpful": False})
    assert client.wait_for("voted", conversation=conversation)["helpful"] is False
    client.send({"type": "vote", "conversation": conversation, "seq": reply["seq"], "helpful": True})
    assert client.wait_for("voted", conversation=conversation)["helpful"] is True
    vote = AnswerVote.objects.get()
    assert (vote.topic, vote.helpful, vote.language) == ("housing-allowance", True, "fi")
    assert Message.objects.get(conversation_id=conversation, seq=reply["seq"]).args["vote"] is True

    # Only bot answers, and only one's own conversation.
    greeting_seq = messages(client.events, conversation)[1]["seq"]
    refused = client.answer({"type": "vote", "conversation": conversation, "seq": greeting_seq, "helpful": True})
    assert (refused["code"], refused["field"]) == ("bad_message", "seq")
    other = chat.client()
    refused = other.answer({"type": "vote", "conversation": conversation, "seq": reply["seq"], "helpful": False})
    assert refused["code"] == "not_found"
    assert AnswerVote.objects.get().helpful is True


def test_bad_bot_frames_are_refused_with_the_field(chat: Chat, demo: Any) -> None:
    client = chat.client()
    conversation = start_with_bot(client)
    before = rows()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"type": "handoff", "conversation": conversation, "reason": "bored"}, "reason"),
        ({"type": "handoff", "conversation": "x"}, "conversation"),
        ({"type": "choose", "conversation": conversation, "id": new_id(), "topic": ""}, "topic"),
        ({"type": "choose", "conversation": conversation, "id": new_id(), "topic": 5}, "topic"),
        ({"type": "vote", "conversation": conversation, "seq": 1, "helpful": "yes"}, "helpful"),
        ({"type": "vote", "conversation": conversation, "seq": -1, "helpful": True}, "seq"),
        ({"type": "start", "desk": "youth", "person": "yes"}, "person"),
    ]
    for frame, field in cases:
        error = client.answer(frame)
        assert (error["type"], error.get("field")) == ("error", field), frame
    assert rows() == before
