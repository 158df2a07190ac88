"""Messages left for the demo's homework desk, so that the console's inbox has something to show.

One waits for an answer, one was answered by the desk's volunteer; both go
through the product's own actions (conversations.actions.offline and the live
take and send), as a client's and a counsellor's would. No code is given: a
code is shown to its client once and never stored, so there is none to show.
"""

from __future__ import annotations

import uuid

from accounts.models import Staff
from conversations.actions.assignment import do_take
from conversations.actions.clients import get_or_create_client
from conversations.actions.messages import do_send_message
from conversations.actions.offline import do_leave_message
from conversations.models import Conversation, Status
from desks.models import Desk

DEMO_MESSAGES = [
    # (nickname, the client's message, the volunteer's answer or "" for one still waiting)
    ("Mimi", "Hei! Miten murtoluvut jaetaan? Huomenna on koe.", ""),
    ("Olli", "Mitä tarkoittaa prosenttiyksikkö?", "Hei Olli! Prosenttiyksikkö on kahden prosenttiluvun erotus."),
]


def seed_messages(desk: Desk, answerer: Staff) -> int:
    """Leave the demo's messages for `desk` once (none when it already has some); returns how many were left."""
    if Conversation.objects.filter(desk=desk, status=Status.MESSAGE).exists():
        return 0
    for nickname, body, answer in DEMO_MESSAGES:
        client, _token = get_or_create_client(None)
        conversation_id = do_leave_message(
            client, desk, body=body, client_msg_id=uuid.uuid4().hex, nickname=nickname, language="fi"
        )
        if answer:
            do_take(answerer, conversation_id=conversation_id)
            do_send_message(conversation_id, body=answer, client_msg_id=uuid.uuid4().hex, staff=answerer)
    return len(DEMO_MESSAGES)
