"""A party's message, what a client's line sets off (the crisis check, the bot's answer), and receipts.

The bot's answer is not computed in the transaction that stores the client's
line. Reading a message and ranking the brain is CPU work (milliseconds, tens
of milliseconds for a long message), and the message path runs in Channels'
one database thread per process, which every party of the process waits for:
60 clients asking the bot within their rate limits pushed everybody's
acknowledgements to 19 s (docs/performance.md, issue 9). So a client's line to
the bot is stored and acknowledged at once; after the commit the question
becomes a job of the process's bot line (common.capacity.BoundedWork: at most
BOT_CONCURRENT_ANSWERS in the database thread's line at once, so a frame waits
behind at most that many answers; BOT_QUEUE_MAX more admitted to wait), and
the answer follows as the next line. When every place is taken, the client is
told at once, in the line's own transaction, that many people are asking and
may ask again or ask for a person (conversations.actions.bot.busy_message);
the crisis check is made then too, never skipped.

Exactly once: a question becomes a job only when its line was created (a
resend is not asked again), and the answer is stored only if no bot line
answers it yet (`reply_to` in the bot line's args), under the conversation's
lock. A question whose answer was lost (the process died, the database failed
at that moment) is asked again by a sweep of each serving process once it is
BOT_RECOVER_SECONDS old (`do_answer_forgotten`).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Staff
from bot.cache import get_bot, ready_bot, when_built
from bot.engine import Bot, BotAnswer, MessageReading, read_by_signals
from common.capacity import BoundedWork, Place, run_every, server_loop
from common.events import conversation_group, send_event
from conversations.actions.access import lock_conversation
from conversations.actions.bot import bot_answers, busy_message
from conversations.actions.crisis import on_crisis
from conversations.actions.queue import publish_desks
from conversations.actions.transcript import store_once, store_party_message
from conversations.models import Client, Conversation, Message, SenderKind, Status
from conversations.outbound import Side, receipt_event


def do_send_message(
    conversation_id: int,
    *,
    body: str,
    client_msg_id: str,
    client: Client | None = None,
    staff: Staff | None = None,
    attachment: int | None = None,
) -> tuple[Message, bool]:
    """Store a message from the client or the conversation's counsellor.

    Returns (message, created). Sending the same `client_msg_id` again returns
    the stored message with created=False, so a resend is never a duplicate.
    A client's new line to a person is checked for crisis in the same
    transaction: the line and what it set off are stored together or not at
    all. A client's new line to the bot is asked after the commit (see above):
    the bot's answer, or the crisis guidance, follows it. `attachment` sends
    the sender's unsent upload with the line (conversations.actions.attachments);
    its caption, the body, is read for crisis like any text.
    """
    # Never waited for: a process's first bot takes seconds to build (bot.cache.ready_bot); until
    # then a line to a person is checked by the signal lists, a line to the bot waits in its job.
    bot = ready_bot() if client is not None else None
    places: list[Place] = []

    def work() -> tuple[Message, bool]:
        message, created, conversation = store_party_message(
            conversation_id,
            body=body,
            client_msg_id=client_msg_id,
            client=client,
            staff=staff,
            attachment_id=attachment,
        )
        if created and conversation.status == Status.MESSAGE:
            # The desk's inbox shows whether the newest line waits for an answer.
            publish_desks([conversation.desk_id])
        if created and client is not None and message.body:
            question = Question(conversation.pk, message.seq, message.body, conversation.language)
            place = bot_workers().reserve() if conversation.status == Status.BOT else None
            if place is None:
                # To a person; or to the bot with every place taken: the crisis check now, else "busy".
                reading = (
                    bot.read(question.body, question.language)
                    if bot
                    else read_by_signals(question.body, question.language)
                )
                after_client_message(conversation, question, reading, None)
            else:
                places.append(place)
                transaction.on_commit(partial(place.start, partial(answer_question, question, bot)))
        return message, created

    sender_kind = SenderKind.CLIENT if client is not None else SenderKind.STAFF
    try:
        return store_once(conversation_id, sender_kind, client_msg_id, work)
    finally:
        for place in places:
            place.release_unused()  # its transaction rolled back: the job never starts


@dataclass(frozen=True)
class Question:
    """A client's stored line, as the bot needs it: where it is, what it says, the conversation's language."""

    conversation_id: int
    seq: int
    body: str
    language: str


def after_client_message(
    conversation: Conversation, question: Question, reading: MessageReading, answer: BotAnswer | None
) -> None:
    """What a client's line sets off, in a locked conversation: the crisis check, then the bot in its turn.

    The one place of this rule, whether the line went to a person (checked in
    its own transaction) or to the bot (checked when the bot's answer is
    stored). `reading` is the line read once (bot.engine.Bot.read);
    `answer` is the bot's answer computed from it, None when the bot could not
    take the question now (then it says so).
    """
    if reading.crisis is not None:
        on_crisis(conversation, reading.lang, reply_to=question.seq)
    elif conversation.status == Status.BOT:
        if answer is None:
            busy_message(conversation, reading.lang, reply_to=question.seq)
        else:
            bot_answers(conversation, question.body, answer, reply_to=question.seq)


# --- The bot's answers, after the line's ack ------------------------------------


def answer_question(question: Question, bot: Bot | None = None) -> None:
    """Read a stored question, let the bot answer it, and store what it set off (a job of the bot line).

    Reading and answering come before the transaction, which is short: only
    the storing holds the conversation's lock.
    """
    if bot is None and server_loop() is not None:
        # In a server this is the database thread: a new process's first bot takes seconds
        # to train, and every acknowledgement would wait behind it. Answer once it is built.
        bot = ready_bot()
        if bot is None:
            reading = read_by_signals(question.body, question.language)
            if reading.crisis is not None:
                _store_answer(question, reading, None)  # the crisis guidance does not wait for the build
            else:
                _answer_when_built(question)
            return
    bot = bot or get_bot()
    reading = bot.read(question.body, question.language)
    answer = None if reading.crisis is not None else bot.answer(question.body, reading=reading)
    _store_answer(question, reading, answer)


def _answer_when_built(question: Question) -> None:
    """Answer `question` as a new job once the first bot is built (a place in the line is kept for it).

    With every place taken, the question is left to the sweep (`do_answer_forgotten`).
    The signal lists have read it already (`answer_question`); the bot reads it in full,
    crisis nets included, when it is built.
    """
    place = bot_workers().reserve()
    if place is None:
        return
    when_built(lambda bot: place.start(partial(answer_question, question, bot)))


def _store_answer(question: Question, reading: MessageReading, answer: BotAnswer | None) -> None:
    """Store what the question set off, unless it is answered already or the conversation ended."""
    with transaction.atomic():
        try:
            conversation = lock_conversation(question.conversation_id)
        except Conversation.DoesNotExist:
            return
        if conversation.status == Status.CLOSED or _answered(question):
            return
        after_client_message(conversation, question, reading, answer)


def _answered(question: Question) -> bool:
    return Message.objects.filter(
        conversation_id=question.conversation_id,
        seq__gt=question.seq,
        sender_kind=SenderKind.BOT,
        args__reply_to=question.seq,
    ).exists()


def do_answer_forgotten(limit: int = 100) -> int:
    """Ask the bot again for the questions it left unanswered for BOT_RECOVER_SECONDS; how many were found.

    With the bot, every client line is followed by a bot line (an answer, the
    crisis guidance, "busy"), so a conversation with the bot whose last line
    is an old client line lost its answer: its process died between the two,
    or the database failed when the answer was stored. Several processes may
    find the same one: the answer is still stored once (`_store_answer`).
    """
    cutoff = timezone.now() - dt.timedelta(seconds=settings.BOT_RECOVER_SECONDS)
    forgotten = (
        Message.objects.filter(
            conversation__status=Status.BOT,
            seq=F("conversation__last_seq"),
            sender_kind=SenderKind.CLIENT,
            created_at__lt=cutoff,
        )
        .order_by("created_at")
        .values_list("conversation_id", "seq", "body", "conversation__language")[:limit]
    )
    questions = [Question(*row) for row in forgotten]
    for question in questions:
        place = bot_workers().reserve()
        if place is None:
            break  # the line is full now: the next round asks again
        place.start(partial(answer_question, question))
    return len(questions)


_workers_lock = threading.Lock()
_workers: BoundedWork | None = None
_sweeping = False


def bot_workers() -> BoundedWork:
    """This process's bot workers, sized by the current settings; the first in a server starts the sweep."""
    global _workers, _sweeping
    size = (max(1, settings.BOT_CONCURRENT_ANSWERS), max(0, settings.BOT_QUEUE_MAX))
    with _workers_lock:
        if _workers is None or (_workers.workers, _workers.queue_max) != size:
            _workers = BoundedWork("bot-answer", *size)
        if not _sweeping:
            _sweeping = run_every(settings.BOT_RECOVER_SECONDS, do_answer_forgotten, "bot: forgotten questions")
        return _workers


def do_mark_seen(
    conversation: Conversation, *, side: Side, delivered: int | None, read: int | None
) -> dict[str, int] | None:
    """Move a side's delivered/read cursors forward (never back, never past the end)."""
    with transaction.atomic():
        locked = lock_conversation(conversation.pk)
        prefix = "client" if side == "client" else "staff"
        changed: list[str] = []
        current_read = getattr(locked, f"{prefix}_read_seq")
        current_delivered = getattr(locked, f"{prefix}_delivered_seq")
        if read is not None:
            read = min(read, locked.last_seq)
            if read > current_read:
                current_read = read
                changed.append(f"{prefix}_read_seq")
        delivered_value = max(delivered or 0, current_read)
        delivered_value = min(delivered_value, locked.last_seq)
        if delivered_value > current_delivered:
            current_delivered = delivered_value
            changed.append(f"{prefix}_delivered_seq")
        if not changed:
            return None
        Conversation.objects.filter(pk=locked.pk).update(
            **{f"{prefix}_read_seq": current_read, f"{prefix}_delivered_seq": current_delivered}
        )
        send_event(conversation_group(locked.pk), receipt_event(locked.pk, side, current_delivered, current_read))
        return {"delivered": current_delivered, "read": current_read}
