"""Suggestions for the counsellor while chatting: the staff frame `suggest` and its `suggestions` event.

A counsellor asks for the client's latest lines and gets the chatbot's topics
(answers as plain text, referrals) and the crisis signs in them; only staff who
may see the conversation are answered, nothing is stored and the client hears
nothing of it (docs/protocol.md, "Suggestions for the counsellor").
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.cache import get_bot
from conversations.actions.suggestions import MAX_CHARS, answer_text, latest_client_text
from conversations.models import Conversation
from tests.chat_helpers import Chat, new_id, rows
from tests.wsclient import ProtocolClient

MISSING = 2**31 - 1


def suggest(staff: ProtocolClient, conversation: Any) -> dict[str, Any]:
    """Ask `suggest` and return its answer (a `suggestions` event or an error)."""
    return staff.answer({"type": "suggest", "conversation": conversation})


def taken_conversation(chat: Chat, *lines: str) -> tuple[ProtocolClient, ProtocolClient, int]:
    """A client at the youth desk who wrote `lines`, and Kalle (counsellor) who took the conversation."""
    get_bot()  # built before the first line: the server runs in this process
    client = chat.client()
    conversation = chat.start(client, desk="youth", nickname="Mimi")
    for line in lines:
        client.say(conversation, line)
    counsellor = chat.staff("counsellor")
    chat.take(counsellor, conversation)
    return client, counsellor, conversation


def test_a_counsellor_gets_housing_topics_then_a_wish_to_die_sign(chat: Chat) -> None:
    client, counsellor, conversation = taken_conversation(chat, "paljonko asumistukea saa")
    before = rows()

    answer = suggest(counsellor, conversation)
    assert answer["type"] == "suggestions" and answer["conversation"] == conversation
    slugs = [topic["slug"] for topic in answer["topics"]]
    assert slugs[0] == "housing-allowance", slugs
    housing = answer["topics"][0]
    assert housing["title"] == "Tuki asumiseen (Kela)"
    # Plain text, ready for the reply box: the brain's Markdown is read, not passed on.
    assert "Kelasta" in housing["answer"] and "**" not in housing["answer"] and "<" not in housing["answer"]
    assert "- Opiskelija:" in housing["answer"]
    assert {"name": "Kela – yleinen asumistuki", "url": "https://www.kela.fi", "phone": "", "hours": ""} in housing[
        "referrals"
    ]
    assert answer["signals"] == []

    # The counsellor answers: no client line since, nothing to suggest.
    counsellor.say(conversation, "Hei! Katsotaan yhdessä.")
    assert suggest(counsellor, conversation)["topics"] == []

    client.say(conversation, "haluun kuolla")
    answer = suggest(counsellor, conversation)
    assert {"sign": "wish_to_die", "phrase": "haluun kuolla", "source": "signal"} in answer["signals"]
    # A line close to one of the crisis topic's examples names the example, not a score; each sign and phrase once.
    for signal in answer["signals"]:
        if signal["sign"] == "example":
            assert signal["phrase"] == "haluun kuolla", signal
    assert len({(s["sign"], s["phrase"]) for s in answer["signals"]}) == len(answer["signals"])
    # Only the lines since the counsellor's reply were read.
    assert latest_client_text(Conversation.objects.get(pk=conversation)) == "haluun kuolla"

    # Nothing was stored (the client's line and the reply aside), and the client heard nothing of it.
    assert rows()["messages"] == before["messages"] + 2 + 1  # reply, "haluun kuolla", the bot's crisis line
    assert rows()["notes"] == before["notes"]
    client.drain(0.3)
    assert not [e for e in client.events if e["type"] == "suggestions"]


def test_before_the_bot_is_built_the_signal_lists_still_name_the_sign(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new process's first bot takes seconds to train; a counsellor's question does not wait for it."""
    _client, counsellor, conversation = taken_conversation(chat, "mä haluun kuolla")
    monkeypatch.setattr("conversations.actions.suggestions.ready_bot", lambda: None)
    answer = suggest(counsellor, conversation)
    assert answer["type"] == "suggestions" and answer["topics"] == []
    assert {"sign": "wish_to_die", "phrase": "haluun kuolla", "source": "signal"} in answer["signals"]


def test_only_the_clients_newest_lines_since_the_last_staff_line_are_read(chat: Chat) -> None:
    client, counsellor, conversation = taken_conversation(chat, "eka", "toka")
    row = Conversation.objects.get(pk=conversation)
    assert latest_client_text(row) == "eka\ntoka"
    counsellor.say(conversation, "Moi!")
    assert latest_client_text(row) == ""
    for line in ("yksi", "kaksi", "kolme", "neljä"):
        client.say(conversation, line)
    assert latest_client_text(row) == "kaksi\nkolme\nneljä"
    # At most MAX_CHARS, the newest words kept, cut at a word boundary.
    client.say(conversation, "sana " * 300 + "viimeinen")
    text = latest_client_text(row)
    assert len(text) <= MAX_CHARS and text.endswith("sana viimeinen") and text.startswith("sana ")


def test_who_may_ask_is_who_may_see_the_conversation(chat: Chat) -> None:
    _client, counsellor, conversation = taken_conversation(chat, "paljonko asumistukea saa")
    mine = suggest(counsellor, conversation)
    # A colleague of the desk, and a supervisor who watches read-only, may ask too.
    for username in ("counsellor2", "supervisor"):
        answer = suggest(chat.staff(username), conversation)
        assert answer["type"] == "suggestions", (username, answer)
        assert answer["topics"] == mine["topics"]
    # Staff of another desk, or of another organisation, are told what a missing conversation tells.
    for username in ("volunteer", "studycounsellor"):
        staff = chat.staff(username)
        other, missing = suggest(staff, conversation), suggest(staff, MISSING)
        assert (other["type"], other["code"]) == ("error", "not_found"), username
        assert {**other, "ref": None} == {**missing, "ref": None}, username


def test_bad_suggest_frames_get_bad_message(chat: Chat) -> None:
    _client, counsellor, conversation = taken_conversation(chat)
    for frame in (
        {"type": "suggest"},
        {"type": "suggest", "conversation": None},
        {"type": "suggest", "conversation": str(conversation)},
        {"type": "suggest", "conversation": -1},
        {"type": "suggest", "conversation": 2**31},
        {"type": "suggest", "conversation": True},
        {"type": "suggest", "conversation": 1.5},
    ):
        error = counsellor.answer(frame)
        assert (error["type"], error["code"], error.get("field")) == ("error", "bad_message", "conversation"), frame
    # Not a frame a client may send.
    client = chat.client()
    assert client.answer({"type": "suggest", "conversation": conversation})["code"] == "unknown_type"
    assert suggest(counsellor, conversation)["type"] == "suggestions"


def test_suggest_counts_against_the_staff_rate_limit(chat: Chat, monkeypatch: pytest.MonkeyPatch) -> None:
    from common.ratelimit import RateLimiter
    from realtime.consumers import StaffConsumer

    _client, counsellor, conversation = taken_conversation(chat, "paljonko asumistukea saa")
    monkeypatch.setattr(StaffConsumer, "limiter", RateLimiter(3, 0.01))
    answers = []
    for _ in range(4):
        counsellor.send({"type": "suggest", "conversation": conversation, "ref": new_id()})
        answers.append(counsellor.read_until(lambda e: e["type"] in ("suggestions", "error"), "an answer"))
    assert [a["type"] for a in answers] == ["suggestions"] * 3 + ["error"]
    assert answers[-1]["code"] == "rate_limited" and answers[-1]["retry_after"] > 0


def test_an_answer_reads_as_plain_text() -> None:
    markdown = (
        "Hae **Kelasta**.\n\n1. yksi\n2. kaksi\n    - alakohta\n\n"
        "Lue [kela.fi](https://www.kela.fi) ja [ohjeet](https://example.fi/ohje) tai soita [112](tel:112).\n"
        "<b>Raaka</b> &amp; [x](javascript:alert(1))"
    )
    assert answer_text(markdown) == (
        "Hae Kelasta.\n\n1. yksi\n2. kaksi\n  - alakohta\n\n"
        "Lue kela.fi ja ohjeet (https://example.fi/ohje) tai soita 112. Raaka & x"
    )
    assert "alert" not in answer_text("Moi\n\n<script>alert(1)</script>")
    assert answer_text("  ") == ""
