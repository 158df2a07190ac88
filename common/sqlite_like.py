"""SQLite's LIKE made case-insensitive beyond ASCII, as PostgreSQL's UPPER(...) LIKE UPPER(...) is.

Django's `icontains` (and `contains`) is LIKE on SQLite, which folds only
ASCII letters: a search for "äiti" would not find "Äiti", and Finnish and
Swedish words are full of ä, ö and å. SQLite lets an application define its
own `like()` (https://sqlite.org/lang_corefunc.html#like), so every LIKE of
every connection goes through `like` below: the pattern turned into a
regular expression once (cached), matched ignoring case in Unicode.
Connected for SQLite connections by common.apps.CommonConfig.ready.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=512)
def _pattern(pattern: str, escape: str | None) -> re.Pattern[str]:
    parts: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if escape is not None and char == escape:
            parts.append(re.escape(next(chars, "")))
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def like(pattern: str | None, value: Any, escape: str | None = None) -> bool | None:
    """SQL `value LIKE pattern [ESCAPE escape]`; NULL when either side is NULL, as SQL has it."""
    if pattern is None or value is None:
        return None
    return _pattern(pattern, escape).fullmatch(str(value)) is not None


def install(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver: define like() on each new SQLite connection."""
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    raw.create_function("like", 2, like, deterministic=True)
    raw.create_function("like", 3, like, deterministic=True)
