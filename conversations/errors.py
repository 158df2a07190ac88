"""The error every chat action raises when it refuses something."""

from __future__ import annotations


class ChatError(Exception):
    """A refusal with a protocol error `code` (docs/protocol.md) and a readable message.

    Raised before anything is written, or inside the transaction so that it
    rolls back: when a party gets a ChatError, nothing was stored.
    """

    def __init__(self, code: str, message: str, *, field: str | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.retry_after = retry_after
