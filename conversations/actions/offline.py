"""Messages left for a desk: when nobody answers live, the client leaves a message and gets a code.

A desk that is closed, or whose queue is full, still takes messages; and the
option is offered beside every chat. The message opens a conversation in status
`message` (conversations.models.Status.MESSAGE): it waits in the desk's inbox
(the `messages` list of the desk snapshot, conversations.actions.queue) until a
counsellor takes it and replies. The client gets a conversation code at once
(conversations.actions.codes) and comes back with it from any device, reads the
answer and writes again, which makes the message wait in the inbox again.
Notes, transfers and closing are the live conversations' own actions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.languages import supported_language
from conversations.actions import bot
from conversations.actions.access import check_client_conversation, lock_conversation
from conversations.actions.assignment import offer_to_earlier_counsellor
from conversations.actions.messages import do_send_message
from conversations.actions.queue import publish_desks, publish_state
from conversations.actions.starting import check_admission, check_open_conversations, locked_client
from conversations.actions.transcript import clean_body, desk_args, system_message
from conversations.errors import ChatError
from conversations.models import Client, Conversation, HandoffReason, Message, SenderKind, Status
from desks.hours import is_open
from desks.models import Desk


def check_leave_message(desk_slug: str, body: str) -> tuple[Desk, str]:
    """The desk to leave a message for (open or closed, only not retired) and the cleaned message."""
    desk = Desk.objects.filter(slug=desk_slug).first()
    if desk is None:
        raise ChatError("bad_message", _("No such desk."), field="desk")
    if not desk.is_active:
        raise ChatError("desk_closed", _("This desk is not taking new conversations right now."))
    return desk, clean_body(body)


def do_leave_message(
    client: Client, desk: Desk, *, body: str, client_msg_id: str, nickname: str = "", language: str = ""
) -> int:
    """Open a conversation in status `message` with the client's line, and return its id.

    The desk's admissions bucket and the client's limit of open conversations
    apply as for a chat (a message is a contact too), the queue's length does
    not: a message waits for nobody now. The conversation and its first lines
    are stored first, then the client's line through the message path (its
    crisis check included). A resend of the same frame (its reply was lost)
    answers the conversation the first one opened, found by the line's
    client-made id under the client's lock: acknowledged once, stored once.
    """
    nickname = " ".join(nickname.split())[: settings.CHAT_MAX_NICKNAME_CHARS]
    with locked_client(client):
        resent = (
            Message.objects.filter(
                conversation__client=client,
                conversation__desk=desk,
                sender_kind=SenderKind.CLIENT,
                client_msg_id=client_msg_id,
            )
            .values_list("conversation_id", flat=True)
            .first()
        )
        if resent is not None:
            return int(resent)
        check_open_conversations(client)
        check_admission(desk, queued=False)
        conversation = Conversation.objects.create(
            desk=desk,
            client=client,
            nickname=nickname,
            language=supported_language(language),
            status=Status.MESSAGE,
            queued_at=timezone.now(),
        )
        conversation = lock_conversation(conversation.pk)
        system_message(conversation, "left_message", **desk_args(conversation, desk))
        publish_desks([desk.pk])
        do_send_message(conversation.pk, body=body, client_msg_id=client_msg_id, client=client)
    return conversation.pk


def do_handoff(
    client: Client, conversation_id: int, *, reason: str = HandoffReason.ASKED, same_counsellor: bool = False
) -> Conversation:
    """The client asks for a person: from the bot (bot.do_handoff), or from a message into the live queue.

    With `same_counsellor` a message sent to the live queue is offered first to
    the client's earlier counsellor at the desk (assignment.offer_to_earlier_counsellor).

    A message goes to its desk's queue only when people answer there now;
    otherwise `desk_closed` says the hours, and the message stays in the inbox.
    A full queue answers `busy` as a start would (starting.check_admission).
    """
    if check_client_conversation(client, conversation_id).status != Status.MESSAGE:
        return bot.do_handoff(client, conversation_id, reason=reason)
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        if conversation.status != Status.MESSAGE:
            return conversation
        desk = Desk.objects.prefetch_related("opening_periods").get(pk=conversation.desk_id)
        if not is_open(desk):
            raise ChatError("desk_closed", bot.closed_text(desk))
        check_admission(desk, queued=True)
        conversation.status = Status.QUEUED
        conversation.queued_at = timezone.now()
        conversation.assigned_to = None
        conversation.offered_to = None
        conversation.handoff_reason = HandoffReason.ASKED
        conversation.save(update_fields=["status", "queued_at", "assigned_to", "offered_to", "handoff_reason"])
        system_message(conversation, "handed_off", **desk_args(conversation, desk))
        if same_counsellor:
            offer_to_earlier_counsellor(conversation)
        publish_state(conversation)
        publish_desks([desk.pk])
    return conversation
