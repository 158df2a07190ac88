"""What a client message of acute risk sets off.

Every client message, to the bot or to a person, is checked for acute risk
(bot.crisis). A hit shows the client the emergency guidance (the brain's
`crisis` topic), flags the conversation urgent so it goes to the top of the
queue, and alerts every counsellor on duty at the desk. A flag raised by a
conversation's only message seconds after its start is fresh
(conversations.models.fresh_crisis): the client's guidance is the same, but the
conversation waits after urgent ones with a history and the console groups the
alert, so throwaway conversations cannot bury a real client's alert.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from bot.cache import get_bot
from common.events import desk_group, send_event
from conversations.actions.bot import answer_message, hand_off
from conversations.actions.queue import publish_desks, publish_state
from conversations.models import Conversation, HandoffReason, Status
from conversations.outbound import crisis_alert

# After guidance was shown, further alarming messages in the next minutes raise
# the flag again but do not repeat the long guidance in a conversation with a person.
GUIDANCE_REPEAT_AFTER = dt.timedelta(minutes=10)


def on_crisis(conversation: Conversation, lang: str, *, reply_to: int | None = None) -> None:
    """Guidance to the client now, the conversation urgent and at the top, every counsellor alerted.

    `reply_to` is the client's line that set it off (the guidance answers it).
    """
    now = timezone.now()
    previous = conversation.crisis_at
    conversation.urgent = True
    conversation.crisis_at = now
    conversation.save(update_fields=["urgent", "crisis_at"])
    if previous is None or now - previous >= GUIDANCE_REPEAT_AFTER or conversation.status == Status.BOT:
        answer_message(conversation, get_bot().crisis_answer(lang), reply_to=reply_to)
    if conversation.status == Status.BOT:
        hand_off(conversation, HandoffReason.CRISIS)
    elif conversation.status != Status.CLOSED:
        publish_state(conversation)
        publish_desks([conversation.desk_id])
    if conversation.status != Status.BOT:
        send_event(desk_group(conversation.desk_id), crisis_alert(conversation, fresh=_is_fresh(conversation)))


def _is_fresh(conversation: Conversation) -> bool:
    """Whether the flag is fresh (conversations.models.fresh_crisis), read from the rows as stored now."""
    rows = Conversation.objects.with_fresh_crisis().filter(pk=conversation.pk)
    fresh: bool = rows.values_list("fresh_crisis", flat=True).get()  # type: ignore[misc]  # an annotation
    return bool(fresh)
