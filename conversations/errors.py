"""The error every chat action raises when it refuses something, and the protocol's error codes."""

from __future__ import annotations

from typing import Literal, get_args

# Every code a party may receive in an `error` event (docs/protocol.md, "Error codes").
ErrorCode = Literal[
    "bad_json",
    "bad_message",
    "unknown_type",
    "too_large",
    "rate_limited",
    "not_ready",
    "not_found",
    "forbidden",
    "closed",
    "taken",
    "queue_empty",
    "desk_closed",
    "not_with_bot",
    "too_many",
    "busy",
    "unavailable",
    "already_given",
    "at_limit",
    "queue_full",
    "wrong_code",
    "code_locked",
    "call_unavailable",
]
ERROR_CODES: frozenset[str] = frozenset(get_args(ErrorCode))


class ChatError(Exception):
    """A refusal with a protocol error `code` and a readable message.

    Raised before anything is written, or inside the transaction so that it
    rolls back: when a party gets a ChatError, nothing was stored.
    """

    def __init__(
        self, code: ErrorCode, message: str, *, field: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.message = message
        self.field = field
        self.retry_after = retry_after
