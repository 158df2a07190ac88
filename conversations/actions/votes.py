"""Clients rating the chatbot's answers; editors see the counts per topic (bot.feedback)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from bot.feedback import do_vote
from common.events import conversation_group, send_event
from conversations.actions.access import check_client_conversation
from conversations.errors import ChatError
from conversations.models import Client, Message, SenderKind
from conversations.outbound import voted_event


def do_client_vote(client: Client, conversation_id: int, *, seq: int, helpful: bool) -> None:
    """The client marks a bot answer helpful or not (again: the newer vote counts)."""
    with transaction.atomic():
        conversation = check_client_conversation(client, conversation_id)
        message = (
            Message.objects.select_for_update()
            .filter(conversation=conversation, seq=seq, sender_kind=SenderKind.BOT, code="answer")
            .first()
        )
        if message is None:
            raise ChatError("bad_message", _("You can rate only the chatbot's answers."), field="seq")
        do_vote(message.pk, topic=message.args["topic"], language=message.args.get("lang", "fi"), helpful=helpful)
        message.args = {**message.args, "vote": helpful}
        message.save(update_fields=["args"])
        send_event(conversation_group(conversation.pk), voted_event(conversation.pk, seq, helpful))
