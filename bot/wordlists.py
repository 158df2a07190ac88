"""The bot's word lists, read from the text files in ``bot/data/``.

Stop words, everyday words, spoken forms, synonyms and the words that tell
languages apart are data that editors and linguists may want to read and
change without reading code, so they live in plain UTF-8 files:

* every file starts with a ``#`` comment saying what the list is for and how
  it is used; ``#`` starts a comment anywhere, blank lines are ignored;
* a word list (``load_words``) has one lowercase word a line, each once;
* a table (``load_table``) has one entry a line, ``word = meaning`` or
  ``word = meaning, another meaning``; the order of lines is kept, because
  some tables are tried in order.

Each file is read once, when the module that uses it is imported. A broken
file stops that import with a ``WordListError`` naming the file and the line,
so a mistake shows at start-up, not as a quietly worse bot.
"""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def data_file(name: str) -> str:
    """A file of ``bot/data/`` by its path as the developers know it (relative to the project)."""
    return f"{DATA_DIR.parent.name}/{DATA_DIR.name}/{name}"


class WordListError(ValueError):
    """A data file of the bot is missing or malformed."""


def _entries(name: str) -> list[tuple[str, str]]:
    """(``file:line`` for messages, entry) for every line of ``name`` that is not blank or a comment."""
    path = DATA_DIR / name
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise WordListError(f"{path}: cannot be read as UTF-8 text ({error})") from error
    if not lines or not lines[0].startswith("#"):
        raise WordListError(f"{path}:1: must start with a '#' comment saying what the list is for")
    entries = []
    for number, line in enumerate(lines, 1):
        entry = line.split("#", 1)[0].strip()
        if entry:
            if entry != entry.lower():
                raise WordListError(f"{path}:{number}: '{entry}' must be lowercase (messages are lowercased)")
            entries.append((f"{path}:{number}", entry))
    if not entries:
        raise WordListError(f"{path}: has no entries")
    return entries


def load_words(name: str) -> tuple[str, ...]:
    """The words of ``bot/data/<name>``, one a line, in file order."""
    words: dict[str, str] = {}
    for where, entry in _entries(name):
        if len(entry.split()) != 1 or "=" in entry:
            raise WordListError(f"{where}: '{entry}' is not one word (a word list has one word a line)")
        if entry in words:
            raise WordListError(f"{where}: '{entry}' is listed twice (first at {words[entry]})")
        words[entry] = where
    return tuple(words)


def load_table(name: str, *, unique: bool = True) -> list[tuple[str, tuple[str, ...]]]:
    """The lines ``word = meaning, meaning`` of ``bot/data/<name>``, in file order.

    ``unique``: each word may have one line only (a lookup table); tables
    whose rules are tried in order may list a word more than once.
    """
    rows: list[tuple[str, tuple[str, ...]]] = []
    seen: dict[str, str] = {}
    for where, entry in _entries(name):
        key, sep, rest = entry.partition("=")
        key = key.strip()
        values = tuple(v.strip() for v in rest.split(","))
        if not sep or not key or len(key.split()) != 1 or not all(values):
            raise WordListError(f"{where}: '{entry}' must read 'word = meaning' or 'word = meaning, meaning'")
        if unique and key in seen:
            raise WordListError(f"{where}: '{key}' is listed twice (first at {seen[key]})")
        seen.setdefault(key, where)
        rows.append((key, values))
    return rows


def load_mapping(name: str) -> dict[str, str]:
    """A table of ``word = meaning`` lines with one meaning each."""
    mapping: dict[str, str] = {}
    for key, values in load_table(name):
        if len(values) != 1:
            raise WordListError(f"{DATA_DIR / name}: '{key}' must have exactly one meaning, not {len(values)}")
        mapping[key] = values[0]
    return mapping
