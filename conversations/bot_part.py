"""The bot part of a conversation, the hand-off to a person, and the crisis check.

At a desk with the chatbot on (`Desk.bot_enabled`), a conversation starts with
the bot (status `bot`): the client's messages are answered from the brain at
once, at any hour. Asking for a person, accepting the bot's offer when it is
not sure, or a crisis moves the conversation into the desk's queue; the
counsellor then sees the bot part as the start of the transcript.

Every client message, to the bot or to a person, is checked for acute risk
(bot.crisis). A hit shows the client the emergency guidance (the brain's
`crisis` topic), flags the conversation urgent so it goes to the top of the
queue, and alerts every counsellor on duty at the desk.

Like conversations.actions, each `do_*` function runs in one transaction and
sends its events only after commit: the client's message, the bot's answer and
any change of state are stored together or not at all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bot.crisis import detect_crisis
from bot.engine import BotAnswer, get_bot
from bot.feedback import do_record_unanswered, do_vote
from bot.language import detect_language
from common.events import conversation_group, desk_group, send_event
from conversations import actions
from conversations.errors import ChatError
from conversations.models import Client, Conversation, HandoffReason, Message, SenderKind, Status, Transfer
from conversations.serialize import desk_ref
from desks.hours import describe_hours, describe_next_opening, is_open
from desks.models import Desk

# After guidance was shown, further alarming messages in the next minutes raise
# the flag again but do not repeat the long guidance in a conversation with a person.
GUIDANCE_REPEAT_AFTER = dt.timedelta(minutes=10)


# --- Starting ------------------------------------------------------------------------


def check_start(client: Client, desk_slug: str, *, person: bool) -> Desk:
    """The desk to start at; refuses a person-only start when nobody answers there."""
    desk = actions.check_start(client, desk_slug)
    with_bot = desk.bot_enabled and not person
    if not with_bot and not is_open(desk):
        raise ChatError("desk_closed", closed_text(desk))
    return desk


def closed_text(desk: Desk) -> str:
    """ "X is closed now. Opening hours: ... Opens tomorrow at 14." in the active language."""
    parts = [_("%(desk)s is closed right now.") % {"desk": desk.name}]
    hours = describe_hours(desk)
    if hours:
        parts.append(_("Opening hours: %(hours)s.") % {"hours": "; ".join(hours)})
    following = describe_next_opening(desk)
    if following:
        parts.append(following)
    return " ".join(parts)


def do_start(client: Client, desk: Desk, *, nickname: str = "", language: str = "fi", person: bool = False) -> int:
    """Open a conversation: with the bot at a bot desk, else straight into the queue."""
    if not desk.bot_enabled or person:
        conversation = actions.do_start_conversation(client, desk, nickname=nickname, language=language)
        if desk.bot_enabled:
            Conversation.objects.filter(pk=conversation.pk).update(handoff_reason=HandoffReason.DIRECT)
        return conversation.pk
    with transaction.atomic():
        conversation = actions.do_start_conversation(
            client, desk, nickname=nickname, language=language, status=Status.BOT
        )
        with translation.override(conversation.language):
            greeting = _(
                "Hi! I am the chatbot of %(desk)s. I answer common questions at any time of day. "
                "A person does not read this part of the chat. Write your question in your own words. "
                "You can ask to talk to a person at any time."
            ) % {"desk": desk.name}
            if not is_open(desk):
                greeting += "\n\n" + closed_text(desk) + " " + _("Until then, only the chatbot answers.")
            _bot_message(conversation, greeting, code="greeting", args={"offer_human": True})
    return conversation.pk


# --- Messages from the client ----------------------------------------------------------


def do_client_send(client: Client, conversation_id: int, *, body: str, client_msg_id: str) -> Message:
    """Store a client's message; check it for crisis; let the bot answer it when it is the bot's turn."""
    get_bot()  # Built (or rebuilt after an edit) outside the transaction: it can take seconds.
    with transaction.atomic():
        message, created, conversation = actions.send_message(
            conversation_id, body=body, client_msg_id=client_msg_id, client=client
        )
        if not created:
            return message  # A resend: it was checked and answered the first time.
        lang = detect_language(message.body, conversation.language)
        if detect_crisis(message.body, lang) is not None:
            _on_crisis(conversation, lang)
        elif conversation.status == Status.BOT:
            _bot_answers(conversation, message.body, lang)
    return message


def do_choose_topic(client: Client, conversation_id: int, *, topic: str, client_msg_id: str) -> Message:
    """The client chose a suggested topic: their choice is stored as their line, the bot answers it."""
    bot = get_bot()
    with transaction.atomic():
        conversation = actions.check_client_conversation(client, conversation_id)
        if conversation.status not in (Status.BOT, Status.QUEUED):
            raise ChatError("not_with_bot", _("A person is answering now: write to them instead."))
        # In the language the client was last answered in: the buttons showed titles in it.
        latest = (
            conversation.messages.filter(sender_kind=SenderKind.BOT)
            .order_by("-seq")
            .values_list("args", flat=True)
            .first()
        )
        answer = bot.answer_topic(topic, (latest or {}).get("lang") or conversation.language)
        if answer is None:
            raise ChatError("bad_message", _("No such topic."), field="topic")
        message, created = actions.do_send_message(
            conversation_id, body=bot.title(topic, answer.lang), client_msg_id=client_msg_id, client=client
        )
        if created:
            conversation = actions.lock_conversation(conversation_id)
            _answer_message(conversation, answer)
    return message


def _bot_answers(conversation: Conversation, text: str, lang: str) -> None:
    """Answer one client message from the brain, and hand off when the client asked for a person."""
    answer = get_bot().answer(text, lang)
    if answer.topic == "unknown":
        best = answer.suggestions[0]["slug"] if answer.suggestions else ""
        do_record_unanswered(text, answer.lang, best)
    _answer_message(conversation, answer)
    if answer.topic == "handoff":
        _hand_off(conversation, HandoffReason.ASKED)


def _answer_message(conversation: Conversation, answer: BotAnswer) -> Message:
    args: dict[str, Any] = {
        "topic": answer.topic,
        "confidence": round(answer.confidence, 3),
        "lang": answer.lang,
        "suggestions": answer.suggestions,
        "referrals": answer.referrals,
        "offer_human": answer.offer_human and conversation.status == Status.BOT,
        "crisis": answer.crisis,
    }
    if answer.plain_answer:
        args["plain"] = answer.plain_answer
    if answer.handoff_desk:
        args["handoff_desk"] = answer.handoff_desk
    code = "crisis" if answer.crisis else ("not_sure" if answer.topic == "unknown" else "answer")
    return _bot_message(conversation, answer.answer, code=code, args=args)


def _bot_message(conversation: Conversation, body: str, *, code: str, args: dict[str, Any]) -> Message:
    return actions.append_message(conversation, sender_kind=SenderKind.BOT, body=body, code=code, args=args)


# --- Crisis ----------------------------------------------------------------------------


def _on_crisis(conversation: Conversation, lang: str) -> None:
    """Guidance to the client now, the conversation urgent and at the top, every counsellor alerted."""
    now = timezone.now()
    previous = conversation.crisis_at
    conversation.urgent = True
    conversation.crisis_at = now
    conversation.save(update_fields=["urgent", "crisis_at"])
    if previous is None or now - previous >= GUIDANCE_REPEAT_AFTER or conversation.status == Status.BOT:
        _answer_message(conversation, get_bot().crisis_answer(lang))
    if conversation.status == Status.BOT:
        _hand_off(conversation, HandoffReason.CRISIS)
    elif conversation.status != Status.CLOSED:
        actions.publish_state(conversation)
        actions.publish_desks([conversation.desk_id])
    if conversation.status != Status.BOT:
        send_event(
            desk_group(conversation.desk_id),
            {
                "type": "alert",
                "kind": "crisis",
                "conversation": conversation.pk,
                "desk": desk_ref(conversation.desk),
                "status": conversation.status,
                "nickname": conversation.nickname,
                "assigned": conversation.assigned_to_id,
            },
        )


# --- Hand-off --------------------------------------------------------------------------


def do_handoff(client: Client, conversation_id: int, *, reason: str = HandoffReason.ASKED) -> Conversation:
    """The client asks for a person (a button, or yes to the bot's offer)."""
    if reason not in (HandoffReason.ASKED, HandoffReason.BOT_UNSURE):
        raise ChatError("bad_message", _("The field “%(field)s” is not valid.") % {"field": "reason"}, field="reason")
    get_bot()
    with transaction.atomic():
        actions.check_client_conversation(client, conversation_id)
        conversation = actions.lock_conversation(conversation_id)
        if conversation.status == Status.CLOSED:
            raise ChatError("closed", _("The conversation has ended."))
        if conversation.status == Status.BOT:
            _hand_off(conversation, HandoffReason(reason))
    return conversation


def _handoff_desk(conversation: Conversation) -> Desk:
    """The desk the latest answered topic hands over to, when it is open; else the conversation's own."""
    latest = (
        conversation.messages.filter(sender_kind=SenderKind.BOT, code="answer")
        .order_by("-seq")
        .values_list("args", flat=True)
        .first()
    )
    slug = (latest or {}).get("handoff_desk")
    if slug and slug != conversation.desk.slug:
        desk = Desk.objects.filter(slug=slug, is_active=True).prefetch_related("opening_periods").first()
        if desk is not None and is_open(desk):
            return desk
    return conversation.desk


def _hand_off(conversation: Conversation, reason: HandoffReason) -> None:
    """Move a locked conversation from the bot into a desk's queue, or say why it cannot."""
    desk = _handoff_desk(conversation)
    with translation.override(conversation.language):
        if not is_open(desk):
            _bot_message(conversation, _closed_guidance(conversation, desk), code="desk_closed", args={})
            if reason == HandoffReason.CRISIS:
                # Nobody can answer now, but the flag stays for the morning's counsellor.
                conversation.handoff_reason = reason
                conversation.save(update_fields=["handoff_reason"])
            return
    from_desk_id = conversation.desk_id
    if desk.pk != from_desk_id:
        Transfer.objects.create(conversation=conversation, from_staff=None, from_desk_id=from_desk_id, to_desk=desk)
        conversation.desk = desk
    conversation.status = Status.QUEUED
    conversation.queued_at = timezone.now()
    conversation.handoff_reason = reason
    conversation.save(update_fields=["desk", "status", "queued_at", "handoff_reason"])
    actions.system_message(conversation, "handed_off", desk=desk.name)
    actions.publish_state(conversation)
    actions.publish_desks({from_desk_id, desk.pk})


def _closed_guidance(conversation: Conversation, desk: Desk) -> str:
    """What the client can do when nobody answers now (Markdown, in the active language)."""
    lines = [closed_text(desk), ""]
    if desk.closed_message.strip():
        lines += [desk.closed_message.strip(), ""]
    lines.append(_("What you can do now:"))
    lines.append("- " + _("Keep asking the chatbot here."))
    lines.append("- " + _("Write again when the chat is open."))
    open_desks = [
        d
        for d in Desk.objects.filter(is_active=True, audience=desk.audience)
        .exclude(pk=desk.pk)
        .prefetch_related("opening_periods")
        if is_open(d) and conversation.language in d.language_list
    ]
    for other in open_desks[:3]:
        lines.append("- " + _("%(desk)s is open now: you can start a new chat there.") % {"desk": other.name})
    crisis = get_bot().topic("crisis", conversation.language)
    phones = [r for r in (crisis.referrals if crisis else []) if r.get("phone")]
    help_now = _("If you are in danger or thinking about hurting yourself, call 112.")
    if phones:
        help_now += " " + _("You can also call:") + " " + "; ".join(f"{r['name']} {r['phone']}" for r in phones[:3])
    lines.append("- " + help_now)
    return "\n".join(lines)


# --- Votes -----------------------------------------------------------------------------


def do_client_vote(client: Client, conversation_id: int, *, seq: int, helpful: bool) -> None:
    """The client marks a bot answer helpful or not; editors see the counts per topic."""
    with transaction.atomic():
        conversation = actions.check_client_conversation(client, conversation_id)
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
        send_event(
            conversation_group(conversation.pk),
            {"type": "voted", "conversation": conversation.pk, "seq": seq, "helpful": helpful},
        )
