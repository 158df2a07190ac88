"""The refusal of a file: a code the browser can act on and a clear text in the sender's language."""

from __future__ import annotations

from typing import Literal

# Every code an upload may be refused with (docs/protocol.md, "Uploads").
MediaErrorCode = Literal[
    "file_type",
    "file_too_large",
    "file_too_long",
    "file_broken",
    "file_empty",
    "not_found",
    "not_allowed",
    "rate_limited",
    "busy",
    "bad_request",
]


class MediaError(Exception):
    """A file refused before anything of it was stored (or with what was stored deleted again).

    `message` is already translated (the caller activates the sender's language
    first), plain enough for a 14-year-old.
    """

    def __init__(self, code: MediaErrorCode, message: str, *, status: int = 400, retry_after: float | None = None):
        super().__init__(message)
        self.code: MediaErrorCode = code
        self.message = message
        self.status = status
        self.retry_after = retry_after
