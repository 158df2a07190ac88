"""Conversation codes over real sockets: a code brings its own conversation back, and guessing is bounded.

The word list and the forgiving reading of a code (conversations.codewords),
`new_code` and `resume_code`, a code that works only for its own conversation,
a code that expires with the conversation's words, and 1,000 wrong codes from
many sockets against the rate limits (docs/conversation-codes.md).
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from conversations import codewords
from conversations.actions import codes
from conversations.models import Conversation
from conversations.retention import purge_conversations
from tests.chat_helpers import Chat, messages, rows
from tests.wsclient import ProtocolClient

# Every test starts with full buckets of code tries (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("fresh_code_limits")


def ask_code(client: ProtocolClient, conversation: int) -> str:
    reply = client.answer({"type": "new_code", "conversation": conversation})
    assert reply["type"] == "code", reply
    assert reply["conversation"] == conversation
    return str(reply["code"])


def end(client: ProtocolClient, conversation: int) -> None:
    client.send({"type": "end", "conversation": conversation})
    client.read_until(
        lambda e: e["type"] == "conversation" and e["conversation"]["status"] == "closed", "closed conversation"
    )


def try_code(client: ProtocolClient, code: str) -> dict[str, object]:
    """Send `resume_code`; the first reply is `conversation` (it worked) or `error`."""
    return client.answer({"type": "resume_code", "code": code})


# --- The word list ------------------------------------------------------------------------------


def test_the_word_list_has_1024_lines_of_three_languages_each_word_on_one_line_only() -> None:
    assert len(codewords.WORDS) == 1024
    forms = [codewords.fold(word[lang]) for word in codewords.WORDS for lang in codewords.LANGUAGES]
    meaning: dict[str, int] = {}
    for number, word in enumerate(codewords.WORDS):
        for lang in codewords.LANGUAGES:
            assert meaning.setdefault(codewords.fold(word[lang]), number) == number
    assert all(form.isascii() and form.isalpha() for form in forms)


def test_a_code_reads_the_same_in_any_language_case_spacing_hyphens_and_accents() -> None:
    code = [0, 1, 1023, 500]
    finnish, swedish, english = (codewords.spell(code, lang) for lang in ("fi", "sv", "en"))
    assert len(finnish.split()) == codewords.CODE_WORDS
    assert codewords.parse_code(finnish) == codewords.parse_code(swedish) == codewords.parse_code(english) == code
    mixed = f"  {finnish.split()[0].upper()} - {swedish.split()[1]},{english.split()[2]}   {finnish.split()[3]} "
    assert codewords.parse_code(mixed) == code
    unaccented = codewords.fold(swedish).replace(" ", "-")
    assert codewords.parse_code(unaccented) == code
    assert codewords.parse_code(" ".join(finnish.split()[:3])) is None
    assert codewords.parse_code(finnish + " kissa") is None
    assert codewords.parse_code("not a real code") is None


def test_new_codes_are_drawn_from_the_whole_list() -> None:
    drawn = {number for _ in range(2000) for number in codewords.generate()}
    assert len(drawn) > 900  # 8,000 draws of 1,024: all but a handful appear


# --- Giving and using a code --------------------------------------------------------------------


def test_a_code_brings_the_conversation_to_a_fresh_browser_which_reads_and_writes(chat: Chat) -> None:
    first = chat.client()
    conversation = chat.start(first, nickname="Mimi")
    first.say(conversation, "I need to talk about school")
    code = ask_code(first, conversation)
    row = Conversation.objects.get(pk=conversation)
    # Only a keyed hash is stored: neither the words nor their numbers.
    assert row.code_hash == codewords.code_hash(codewords.parse_code(code) or [])
    assert code not in str(row.code_hash)

    elsewhere = chat.client()  # another device: a new token
    state = try_code(elsewhere, code)
    assert state["type"] == "conversation"
    assert state["conversation"]["id"] == conversation  # type: ignore[index]
    elsewhere.wait_for("synced", conversation=conversation)
    assert "I need to talk about school" in [m["body"] for m in messages(elsewhere.events, conversation)]
    ack = elsewhere.say(conversation, "It's me again, from my phone")
    assert ack["conversation"] == conversation
    # The conversation is now the new browser's; the old one gets the same answer as for any other.
    again = first.answer({"type": "resume", "conversation": conversation, "after": 0})
    assert again["code"] == "not_found"
    # The same code, typed in English and in capitals, still opens it.
    english = codewords.spell(codewords.parse_code(code) or [], "en").upper()
    assert try_code(chat.client(), english)["type"] == "conversation"


def test_a_code_opens_only_its_own_conversation(chat: Chat) -> None:
    alice, bob = chat.client(), chat.client()
    alices = chat.start(alice)
    bobs = chat.start(bob)
    bob.say(bobs, "Bob's secret")
    code = ask_code(alice, alices)
    ask_code(bob, bobs)
    visitor = chat.client()
    assert try_code(visitor, code)["type"] == "conversation"
    visitor.wait_for("synced", conversation=alices)
    assert {m["conversation"] for m in messages(visitor.events)} == {alices}
    # Bob's conversation stays Bob's: the visitor cannot resume or write in it.
    assert visitor.answer({"type": "resume", "conversation": bobs, "after": 0})["code"] == "not_found"
    write = visitor.answer({"type": "send", "conversation": bobs, "id": "x1", "body": "hi"})
    assert write["code"] == "not_found"
    assert "Bob's secret" not in [m["body"] for m in messages(visitor.events)]
    # Someone else's conversation cannot be given a code either.
    assert visitor.answer({"type": "new_code", "conversation": bobs})["code"] == "not_found"


def test_a_new_code_replaces_the_old_and_a_closed_conversation_can_have_one(chat: Chat) -> None:
    client = chat.client()
    conversation = chat.start(client)
    old = ask_code(client, conversation)
    end(client, conversation)
    new = ask_code(client, conversation)
    assert Conversation.objects.get(pk=conversation).status == "closed"
    before = rows()
    wrong = try_code(chat.client(), old)
    assert wrong["type"] == "error" and wrong["code"] == "wrong_code"
    assert rows() == before  # a wrong try stores nothing, not even the new browser's client
    state = try_code(chat.client(), new)
    assert state["type"] == "conversation" and state["conversation"]["status"] == "closed"  # type: ignore[index]


def test_a_code_expires_with_the_conversation_purged_or_deleted(chat: Chat) -> None:
    client = chat.client()
    purged = chat.start(client)
    purged_code = ask_code(client, purged)
    deleted = chat.start(client)
    deleted_code = ask_code(client, deleted)
    end(client, purged)
    purge_conversations([purged], timezone.now())
    assert Conversation.objects.get(pk=purged).code_hash is None
    assert client.answer({"type": "delete", "conversation": deleted})["type"] == "done"
    visitor = chat.client()
    for code in (purged_code, deleted_code):
        reply = try_code(visitor, code)
        assert reply["type"] == "error" and reply["code"] == "wrong_code"
    assert codes.conversation_for_code(purged_code) is None


# --- Guessing -----------------------------------------------------------------------------------


def test_a_thousand_wrong_codes_from_many_sockets_lock_everybody_out_and_reach_nothing(chat: Chat) -> None:
    owner = chat.client()
    conversation = chat.start(owner)
    owner.say(conversation, "private words")
    right = ask_code(owner, conversation)
    right_numbers = codewords.parse_code(right)
    answers: list[str] = []
    sockets = [chat.client() for _ in range(50)]
    for n in range(1000):
        socket = sockets[n % len(sockets)]
        guess = [(n * 7 + k * 131) % len(codewords.WORDS) for k in range(codewords.CODE_WORDS)]
        if guess == right_numbers:
            guess[0] = (guess[0] + 1) % len(codewords.WORDS)
        reply = try_code(socket, codewords.spell(guess, "fi"))
        assert reply["type"] == "error", reply
        answers.append(str(reply["code"]))
    # At most the service's tries were checked (and the few that refilled meanwhile); the rest were refused unread.
    assert answers.count("wrong_code") <= 35
    assert answers.count("code_locked") >= 965
    assert set(answers) == {"wrong_code", "code_locked"}
    # While locked, even the right code is not checked, from a socket that has tried nothing.
    locked = try_code(chat.client(), right)
    assert locked["type"] == "error" and locked["code"] == "code_locked"
    assert float(locked["retry_after"]) >= 1  # type: ignore[arg-type]
    # No socket ever got a conversation or a message of it.
    for socket in sockets:
        assert not [e for e in socket.events if e["type"] in ("conversation", "message", "synced")]
    assert Conversation.objects.get(pk=conversation).client is not None
    # The owner still has the conversation and its words (a system line may have come after them meanwhile).
    assert "private words" in [m["body"] for m in messages(owner.events, conversation)]


def test_one_socket_gets_five_tries(chat: Chat) -> None:
    socket = chat.client()
    answers = [str(try_code(socket, "kissa koira hevonen lehmä")["code"]) for _ in range(7)]
    assert answers == ["wrong_code"] * 5 + ["code_locked"] * 2
    # Another socket still has its own tries (the service's are not used up).
    assert try_code(chat.client(), "kissa koira hevonen lehmä")["code"] == "wrong_code"
