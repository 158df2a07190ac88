"""The chatbot's part of a conversation and the hand-off to a person.

At a desk with the chatbot on (`Desk.bot_enabled`), a conversation starts with
the bot (status `bot`): the client's messages are answered from the brain, at
any hour, as soon as the bot has read them (conversations.actions.messages:
the answer follows the client's acknowledged line; when too many questions
wait, a "many people are asking" line instead).
Asking for a person, accepting the bot's offer when it is not sure, or a
crisis (conversations.actions.crisis) moves the conversation into the desk's
queue; the counsellor then sees the bot part as the start of the transcript.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bot.cache import get_bot
from bot.engine import SPECIAL_TOPICS, BotAnswer
from bot.feedback import do_record_unanswered
from conversations.actions.access import check_client_conversation, closed_error, lock_conversation
from conversations.actions.queue import publish_desks, publish_state
from conversations.actions.transcript import append_message, desk_args, store_once, store_party_message, system_message
from conversations.errors import ChatError
from conversations.models import Client, Conversation, HandoffReason, Message, SenderKind, Status, Transfer
from desks.hours import describe_hours, describe_next_opening, describe_today, is_open, with_hours
from desks.models import Desk


def closed_text(desk: Desk) -> str:
    """ "X is closed now. Closed today: Independence Day. Opening hours: ... Opens tomorrow at 14." in the
    active language (desks.hours: the weekly hours with today's exception and the next opening after it)."""
    parts = [_("%(desk)s is closed right now.") % {"desk": desk.name}]
    today = describe_today(desk)
    if today:
        parts.append(today)
    hours = describe_hours(desk)
    if hours:
        parts.append(_("Opening hours: %(hours)s.") % {"hours": "; ".join(hours)})
    following = describe_next_opening(desk)
    if following:
        parts.append(following)
    return " ".join(parts)


def greet(conversation: Conversation) -> Message:
    """The bot's first line in a new conversation, in the client's language."""
    desk = conversation.desk
    with translation.override(conversation.language):
        greeting = _(
            "Hi! I am the chatbot of %(desk)s. I answer common questions at any time of day. "
            "A person does not read this part of the chat. Write your question in your own words. "
            "You can ask to talk to a person at any time."
        ) % {"desk": desk.name}
        if not is_open(desk):
            greeting += "\n\n" + closed_text(desk) + " " + _("Until then, only the chatbot answers.")
        return bot_message(conversation, greeting, code="greeting", args={"offer_human": True})


def bot_message(conversation: Conversation, body: str, *, code: str, args: dict[str, Any]) -> Message:
    return append_message(conversation, sender_kind=SenderKind.BOT, body=body, code=code, args=args)


def answer_message(conversation: Conversation, answer: BotAnswer, *, reply_to: int | None = None) -> Message:
    """Store one of the bot's answers (a topic, "not sure", or the crisis guidance).

    `reply_to` is the sequence number of the client's line it answers: a line is
    answered at most once (conversations.actions.messages), and a page can tell
    which question an answer belongs to.
    """
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
    if reply_to is not None:
        args["reply_to"] = reply_to
    code = "crisis" if answer.crisis else ("not_sure" if answer.topic == "unknown" else "answer")
    return bot_message(conversation, answer.answer, code=code, args=args)


def bot_answers(conversation: Conversation, text: str, answer: BotAnswer, *, reply_to: int) -> None:
    """Store the bot's answer to the client's line `reply_to` of a locked conversation; hand off when asked.

    The answer was computed from `text` beforehand, outside any transaction
    (conversations.actions.messages).
    """
    if answer.topic == "unknown":
        best = answer.suggestions[0]["slug"] if answer.suggestions else ""
        do_record_unanswered(text, answer.lang, best)
    answer_message(conversation, answer, reply_to=reply_to)
    if answer.topic == "handoff":
        hand_off(conversation, HandoffReason.ASKED)


def busy_message(conversation: Conversation, lang: str, *, reply_to: int) -> Message:
    """The bot's line when too many questions wait for it in this process: ask again soon, or a person.

    Said at once instead of an answer, so a client is never left waiting on a
    line that grows without bound. A person is offered, not handed to: an
    automatic hand-off would turn a flood of questions into a flood of the
    counsellors' queue, the scarcer resource.
    """
    with translation.override(lang):
        text = _(
            "Many people are asking the chatbot right now, so I could not answer you. "
            "Please send your question again in a moment. You can also ask to talk to a person."
        )
    return bot_message(conversation, text, code="busy", args={"offer_human": True, "reply_to": reply_to})


def do_choose_topic(client: Client, conversation_id: int, *, topic: str, client_msg_id: str) -> Message:
    """The client chose a suggested topic: their choice is stored as their line, the bot answers it."""
    bot = get_bot()

    def work() -> tuple[Message, bool]:
        conversation = check_client_conversation(client, conversation_id)
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
        message, created, locked = store_party_message(
            conversation_id, body=bot.title(topic, answer.lang), client_msg_id=client_msg_id, client=client
        )
        if created:
            answer_message(locked, answer, reply_to=message.seq)
        return message, created

    return store_once(conversation_id, SenderKind.CLIENT, client_msg_id, work)[0]


# --- Hand-off --------------------------------------------------------------------------


def do_handoff(client: Client, conversation_id: int, *, reason: str = HandoffReason.ASKED) -> Conversation:
    """The client asks for a person (a button, or yes to the bot's offer)."""
    if reason not in (HandoffReason.ASKED, HandoffReason.BOT_UNSURE):
        raise ChatError("bad_message", _("The field “%(field)s” is not valid.") % {"field": "reason"}, field="reason")
    get_bot()
    with transaction.atomic():
        check_client_conversation(client, conversation_id)
        conversation = lock_conversation(conversation_id)
        if conversation.status == Status.CLOSED:
            raise closed_error()
        if conversation.status == Status.BOT:
            hand_off(conversation, HandoffReason(reason))
    return conversation


def handoff_desk(conversation: Conversation, reason: HandoffReason = HandoffReason.ASKED) -> Desk:
    """The desk the latest answered topic hands over to, when it is open; else the conversation's own.

    The special topics are not the client's subject: the `handoff` topic's own
    answer ("I'll pass you to a person") is stored just before the hand-off it
    sets off, and small talk may come between, so the subject topic before them decides.
    A crisis stays with the desk the client chose: a topic's desk is for its
    subject (homework help by volunteers), acute risk is for the client's own counsellors.
    """
    if reason == HandoffReason.CRISIS:
        return conversation.desk
    latest = (
        conversation.messages.filter(sender_kind=SenderKind.BOT, code="answer")
        .exclude(args__topic__in=SPECIAL_TOPICS)
        .order_by("-seq")
        .values_list("args", flat=True)
        .first()
    )
    slug = (latest or {}).get("handoff_desk")
    if slug and slug != conversation.desk.slug:
        desk = with_hours(Desk.objects.filter(slug=slug, is_active=True)).first()
        if desk is not None and is_open(desk):
            return desk
    return conversation.desk


def hand_off(conversation: Conversation, reason: HandoffReason) -> None:
    """Move a locked conversation from the bot into a desk's queue, or say why it cannot."""
    desk = handoff_desk(conversation, reason)
    with translation.override(conversation.language):
        if not is_open(desk):
            bot_message(conversation, closed_guidance(conversation, desk), code="desk_closed", args={})
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
    system_message(conversation, "handed_off", **desk_args(conversation, desk))
    publish_state(conversation)
    publish_desks({from_desk_id, desk.pk})


def closed_guidance(conversation: Conversation, desk: Desk) -> str:
    """What the client can do when nobody answers now (Markdown, in the active language)."""
    lines = [closed_text(desk), ""]
    if desk.closed_message.strip():
        lines += [desk.closed_message.strip(), ""]
    lines.append(_("What you can do now:"))
    lines.append("- " + _("Keep asking the chatbot here."))
    lines.append("- " + _("Write again when the chat is open."))
    open_desks = [
        d
        for d in with_hours(Desk.objects.filter(is_active=True, audience=desk.audience).exclude(pk=desk.pk))
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
