"""An editor teaches the crisis detector in the brain editor, and the chat uses it at once (no restart).

The crisis topic's example questions are a net of the detector besides the
signal lists (bot.crisis): a wording the lists do not know, added as an example
through the topic form, flags a client's message close to it over the real
protocol, from the next message on.
"""

from __future__ import annotations

from typing import Any

from bot.actions import check_brain_dir, do_import_topics
from bot.brains import STARTER_BRAIN_DIR
from bot.cache import get_bot
from bot.crisis import detect_crisis
from bot.models import Topic
from conversations.models import Conversation
from tests.bot.test_brain_editor import add_question, edit_data, login
from tests.chat_helpers import Chat, new_id
from tests.protocol.test_protocol_bot import start_with_bot
from tests.wsclient import ProtocolClient

# A way of saying it that the signal lists do not catch, and a client's message close to it.
EXAMPLE = "pimeys nielee mut kokonaan"
MESSAGE = "tuntuu et pimeys nielee mut ihan kokonaan"
# Building a bot from the whole brain takes seconds; the server's answer waits for it.
ANSWER_TIMEOUT = 60


def say(client: ProtocolClient, conversation: int, body: str) -> dict[str, Any]:
    """``client.say`` with time for the server to build its bot from the whole brain (the first line after an edit)."""
    msg_id = new_id()
    client.send({"type": "send", "conversation": conversation, "id": msg_id, "body": body})
    return client.wait_for("ack", ANSWER_TIMEOUT, id=msg_id)


def posted_back(topic: Topic) -> dict[str, Any]:
    """The topic's edit form as a browser posts it back: every field as it is, follow-ups and hand-off desk too."""
    return edit_data(topic)


def test_a_crisis_example_added_in_the_editor_flags_a_clients_message_at_once(chat: Chat) -> None:
    do_import_topics(check_brain_dir(STARTER_BRAIN_DIR))
    crisis = Topic.objects.get(slug="crisis")
    assert detect_crisis(EXAMPLE) is None and detect_crisis(MESSAGE) is None, "the signal lists catch it already"
    assert get_bot().crisis_hits(MESSAGE, "fi") == []

    client = chat.client()
    conversation = start_with_bot(client)
    ack = say(client, conversation, MESSAGE)
    before = client.wait_for("message", ANSWER_TIMEOUT, conversation=conversation, sender="bot", seq=ack["seq"] + 1)
    assert before["code"] != "crisis"

    editor = login("editor")
    signals = editor.get("/brain/signals/", {"text": MESSAGE}).content.decode()
    assert "Not flagged." in signals and 'href="/brain/crisis/"' in signals
    data = posted_back(crisis)
    add_question(data, "fi", EXAMPLE)
    response = editor.post("/brain/crisis/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    # Saved as a draft; published, it reaches the detector.
    assert editor.post("/brain/crisis/publish/")["Location"] == "/brain/crisis/"
    assert crisis.questions.filter(language="fi", text=EXAMPLE).exists()
    assert crisis.follow_ups.exists(), "the edit kept the follow-ups"

    # The same client, the same conversation, the same server process: the next line is flagged.
    ack = say(client, conversation, MESSAGE)
    guidance = client.wait_for("message", ANSWER_TIMEOUT, conversation=conversation, sender="bot", seq=ack["seq"] + 1)
    assert guidance["code"] == "crisis" and "112" in guidance["body"]
    stored = Conversation.objects.get(pk=conversation)
    assert stored.crisis_at is not None and stored.urgent

    # The signals page tells the editor which example flags it.
    signals = editor.get("/brain/signals/", {"text": MESSAGE}).content.decode()
    assert f"Flagged: close to the example question “{EXAMPLE}”" in signals
