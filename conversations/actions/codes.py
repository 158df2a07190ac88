"""Conversation codes: giving a client a code, and bringing them back to their conversation with it.

A code is a few easy words (conversations.codewords); only its HMAC is stored
on the conversation (`Conversation.code_hash`). With it a client comes back
from any browser: `do_resume_by_code` attaches the conversation to the token of
the browser that typed it, so that browser reads and writes as its client.
A code works only for its own conversation, and stops working when the
conversation's words are purged (conversations.retention clears the hash) or
the client deletes it; asking for a new code (`do_give_code`) replaces the old.

Guessing is bounded by two token buckets (common.ratelimit), neither of which
stores an address: each socket may try `CHAT_CODE_SOCKET_TRIES` codes, and the
whole service `CHAT_CODE_SERVICE_TRIES` in `CHAT_CODE_WINDOW_SECONDS`, after
which every try anywhere is answered `code_locked` until tries refill. Every
try counts, right or wrong: whether a code is right is known only by checking
it, and checking codes while locked is what the lock is there to stop. The
arithmetic is in docs/conversation-codes.md.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from common.ratelimit import Limiter, make_limiter
from conversations import codewords
from conversations.actions.access import check_client_conversation, lock_conversation
from conversations.actions.starting import locked_client
from conversations.errors import ChatError
from conversations.models import Client, Conversation


@functools.cache
def _limiters(
    socket_tries: int, service_tries: int, window: float, redis_url: str, prefix: str
) -> tuple[Limiter, Limiter]:
    """The per-socket and the service-wide buckets for these settings (a test that changes them gets fresh ones)."""
    return (
        make_limiter("code-socket", socket_tries, socket_tries / window),
        make_limiter("code-service", service_tries, service_tries / window),
    )


def code_limiters() -> tuple[Limiter, Limiter]:
    return _limiters(
        settings.CHAT_CODE_SOCKET_TRIES,
        settings.CHAT_CODE_SERVICE_TRIES,
        settings.CHAT_CODE_WINDOW_SECONDS,
        settings.REDIS_URL,
        settings.RATE_LIMIT_KEY_PREFIX,
    )


def wrong_code() -> ChatError:
    # One answer for a code that is not words of the list, one that was never given, and one
    # that expired: nobody learns which codes exist.
    return ChatError("wrong_code", _("That code did not work. Check the words and try again."), field="code")


def locked(retry_after: float) -> ChatError:
    return ChatError(
        "code_locked",
        _("Too many codes have been tried. Wait a few minutes and try again."),
        retry_after=max(1.0, retry_after),
    )


def check_code_try(socket_key: str) -> None:
    """Take one try from the socket's bucket and the service's, or refuse with `code_locked`.

    The socket's bucket first, so that a socket that has used its own tries
    does not use up everybody's.
    """
    per_socket, service = code_limiters()
    wait = per_socket.hit(f"socket:{socket_key}")
    if wait:
        raise locked(wait)
    wait = service.hit("all")
    if wait:
        raise locked(wait)


def conversation_for_code(text: str) -> Conversation | None:
    """The conversation whose code `text` is (in any of the languages), while its words are kept; else None.

    Reads only: callers that act on a client's try go through
    `do_resume_by_code`, which counts the try first.
    """
    code = codewords.parse_code(text)
    if code is None:
        return None
    return (
        Conversation.objects.filter(
            code_hash=codewords.code_hash(code), purged_at__isnull=True, deleted_by_client_at__isnull=True
        )
        .select_related("desk")
        .first()
    )


def do_give_code(conversation: Conversation) -> str:
    """Give `conversation` a new code and return it spelled in the conversation's language.

    The old code, if any, stops working: only the newest code's hash is kept.
    A new code that happens to be another conversation's (about one in a
    million with a million codes alive) is drawn again.
    """
    for _attempt in range(5):
        code = codewords.generate()
        try:
            with transaction.atomic():
                locked_row = lock_conversation(conversation.pk)
                if locked_row.purged_at is not None or locked_row.deleted_by_client_at is not None:
                    raise ChatError("not_found", _("No such conversation."))
                Conversation.objects.filter(pk=conversation.pk).update(code_hash=codewords.code_hash(code))
        except IntegrityError:
            continue
        return codewords.spell(code, conversation.language)
    raise ChatError("unavailable", _("The service is having a problem. Nothing was saved; try again."))


def check_new_code(client: Client, conversation_id: int) -> Conversation:
    """The client's own conversation, which may have a code (not_found for any other)."""
    return check_client_conversation(client, conversation_id)


def do_resume_by_code(client: Client, text: str, *, socket_key: str) -> int:
    """Count the try, find the code's conversation and attach it to `client`; returns its id.

    From then on `client` (this browser's token) is the conversation's client:
    it reads the whole transcript and writes as before. The browser that had it
    before loses it at its next frame or reload (`not_found`), as a code is the
    client's key, whoever holds it.
    """
    check_code_try(socket_key)
    conversation = conversation_for_code(text)
    if conversation is None:
        raise wrong_code()
    with locked_client(client):
        row = lock_conversation(conversation.pk)
        if row.purged_at is not None or row.deleted_by_client_at is not None:
            raise wrong_code()
        if row.client_id != client.pk:
            row.client = client
            row.save(update_fields=["client"])
    return conversation.pk
