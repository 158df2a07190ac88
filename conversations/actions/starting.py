"""Opening a conversation: with the chatbot at a bot desk, else straight into the desk's queue."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.languages import supported_language
from common.ratelimit import Limiter, make_limiter
from conversations.actions.access import lock_conversation
from conversations.actions.assignment import offer_to_earlier_counsellor
from conversations.actions.bot import closed_text, greet
from conversations.actions.clients import open_conversations_of
from conversations.actions.queue import publish_desks
from conversations.actions.transcript import desk_args, system_message
from conversations.errors import ChatError
from conversations.models import Client, Conversation, HandoffReason, Status
from desks.hours import is_open, with_hours
from desks.models import Desk


def check_start(desk_slug: str, *, person: bool) -> Desk:
    """The desk to start at; refuses a start where nobody would answer.

    A desk with the chatbot takes conversations at any hour (the bot answers);
    a start that asks for a person, or a desk without the bot, needs the desk open.
    """
    desk = with_hours(Desk.objects.filter(slug=desk_slug)).first()
    if desk is None:
        raise ChatError("bad_message", _("No such desk."), field="desk")
    if not desk.is_active:
        raise ChatError("desk_closed", _("This desk is not taking new conversations right now."))
    if not (desk.bot_enabled and not person) and not is_open(desk):
        raise ChatError("desk_closed", closed_text(desk))
    return desk


@functools.cache
def _admissions(burst: int, per_minute: float, redis_url: str, prefix: str) -> Limiter:
    """The per-desk bucket of admissions for these settings (a test that changes them gets fresh buckets)."""
    return make_limiter("desk-admissions", burst, per_minute / 60)


def busy_error(retry_after: float) -> ChatError:
    """The one answer to a start the desk cannot take now: try again after `retry_after` seconds."""
    return ChatError(
        "busy",
        _("Many people are trying to reach this desk right now. Try again in a moment."),
        retry_after=max(1.0, retry_after),
    )


def queue_limit_of(desk: Desk) -> int:
    """How many may wait in the desk's queue: its own limit (`Desk.queue_limit`), never above the service's."""
    return min(desk.queue_limit or settings.CHAT_DESK_QUEUE_MAX, settings.CHAT_DESK_QUEUE_MAX)


def queue_full_error() -> ChatError:
    """The answer to a client beyond a desk's queue limit: told so, and what else they can do."""
    return ChatError(
        "queue_full",
        _(
            "The queue of this desk is full right now. You can leave a message and get an answer later, "
            "try another desk, or ask the chatbot."
        ),
    )


def check_admission(desk: Desk, *, queued: bool) -> None:
    """Refuse a start when the desk's queue is full (`queue_full`) or it takes new conversations too fast (`busy`).

    Why: a flood of starts (one socket put 90 conversations into a queue in 11 s)
    buries the real clients waiting there and floods every counsellor of the
    desk. Two bounds, both per desk:
    - the queue's length (`queue_limit_of`: the desk's own cap, at most
      `CHAT_DESK_QUEUE_MAX`), for a start that goes straight into the queue (a
      start with the chatbot waits for nobody); the client is offered a
      message, another desk or the chatbot instead;
    - the rate of admissions (a token bucket keyed by the desk,
      `CHAT_DESK_ADMISSIONS_BURST` at once, `CHAT_DESK_ADMISSIONS_PER_MINUTE`
      after that), for every start, since a conversation with the bot can be
      handed to the queue with one more frame. The bucket is shared through
      Redis when `REDIS_URL` is set, so every process counts against one limit.

    There is no urgent way to start: a crisis is recognised from the client's
    messages, which come after the start, so every start is subject to these
    limits. The start page always shows the emergency number (112) beside the
    desks, and the page lets the client try again after `retry_after`.

    Called last, after every other check, so that only an admitted start uses
    up the desk's admissions. The availability rules of a desk extend this
    function.
    """
    if queued:
        waiting = Conversation.objects.filter(desk_id=desk.pk, status=Status.QUEUED).count()
        if waiting >= queue_limit_of(desk):
            raise queue_full_error()
    limiter = _admissions(
        settings.CHAT_DESK_ADMISSIONS_BURST,
        settings.CHAT_DESK_ADMISSIONS_PER_MINUTE,
        settings.REDIS_URL,
        settings.RATE_LIMIT_KEY_PREFIX,
    )
    wait = limiter.hit(f"desk:{desk.pk}")
    if wait:
        raise busy_error(wait)


def check_open_conversations(client: Client) -> None:
    """A client keeps a few conversations open at most (called with the client's row locked)."""
    if open_conversations_of(client).count() >= settings.CHAT_MAX_OPEN_CONVERSATIONS_PER_CLIENT:
        raise ChatError("too_many", _("You already have open conversations. Please end one first."))


def lock_client(client: Client) -> None:
    """Save a new client (its first conversation saves it, see clients.get_or_create_client) and lock its row.

    Two sockets of one client starting at once then count its open
    conversations one after the other, so the limit holds.
    """
    if client.pk is None:
        client.pk = Client.objects.get_or_create(token_hash=client.token_hash)[0].pk
        client._state.adding = False
    Client.objects.select_for_update().filter(pk=client.pk).values_list("pk", flat=True).get()


@contextmanager
def locked_client(client: Client) -> Iterator[None]:
    """A transaction in which the client's row is saved (a new client's first save) and locked (`lock_client`).

    When the transaction fails, a new client's row is rolled back with it: its
    key is forgotten here, so that the client's next try saves it again.
    """
    new_client = client.pk is None
    try:
        with transaction.atomic():
            lock_client(client)
            yield
    except Exception:
        if new_client:
            client.pk = None
            client._state.adding = True
        raise


def do_start(
    client: Client,
    desk: Desk,
    *,
    nickname: str = "",
    language: str = "",
    person: bool = False,
    same_counsellor: bool = False,
) -> int:
    """Open a conversation (after `check_start`) and return its id.

    With `same_counsellor` a conversation that goes to the queue is offered
    first to the client's earlier counsellor at this desk
    (assignment.offer_to_earlier_counsellor); with the chatbot the wish waits
    for nobody and is ignored.

    At a desk with the chatbot the conversation starts with the bot unless the
    client asked for a person; everything (the row, the first lines, the
    hand-off reason) is stored in one transaction, so the queue snapshot sent
    after the commit already shows it all.
    """
    with_bot = desk.bot_enabled and not person
    nickname = " ".join(nickname.split())[: settings.CHAT_MAX_NICKNAME_CHARS]
    with locked_client(client):
        check_open_conversations(client)
        check_admission(desk, queued=not with_bot)
        return _open(
            client,
            desk,
            nickname=nickname,
            language=language,
            with_bot=with_bot,
            same_counsellor=same_counsellor,
        )


def _open(client: Client, desk: Desk, *, nickname: str, language: str, with_bot: bool, same_counsellor: bool) -> int:
    """Store the conversation and its first lines (inside do_start's transaction)."""
    conversation = Conversation.objects.create(
        desk=desk,
        client=client,
        nickname=nickname,
        language=supported_language(language),
        status=Status.BOT if with_bot else Status.QUEUED,
        queued_at=None if with_bot else timezone.now(),
        handoff_reason=HandoffReason.DIRECT if desk.bot_enabled and not with_bot else "",
    )
    conversation = lock_conversation(conversation.pk)
    system_message(conversation, "started", **desk_args(conversation, desk))
    if with_bot:
        greet(conversation)
    else:
        if same_counsellor:
            offer_to_earlier_counsellor(conversation)
        publish_desks([desk.pk])
    return conversation.pk
