"""Conversation codes: a few easy words that bring a client back to their conversation.

A code is `CODE_WORDS` words drawn at random from the list of
`data/code_words.tsv`: one line a word, its Finnish, Swedish and English
form on the same line (tab-separated, after a header line). A word's place in
the list is its meaning, so a code given in Finnish can be typed back in
Swedish or English, or mixed: all three forms of a line read as the same
number. For that the list may only grow at its end (docs/conversation-codes.md):
reordering or removing a line would change every code given before.

Typing is forgiving (`parse_code`): case, extra spaces, hyphens, commas and
dots, and the marks of ä, ö, å and é do not matter. The list is checked when
this module is imported: every word of every language, with its marks
removed, belongs to one line only, so a typed word never means two numbers.

Only a hash of a code is stored (`code_hash`, an HMAC keyed from
`SECRET_KEY`): a copy of the database alone does not reveal codes.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from pathlib import Path

from django.utils.crypto import salted_hmac

from common.languages import supported_language

WORDS_FILE = Path(__file__).resolve().parent / "data" / "code_words.tsv"
LANGUAGES = ("fi", "sv", "en")
# Words in a code: 4 words of 1,024 are 40 bits (docs/conversation-codes.md).
CODE_WORDS = 4
_HASH_SALT = "kohtaamo.conversations.code"


class WordListError(ValueError):
    """The code word file is malformed: codes could be misread, so the service does not start."""


def fold(word: str) -> str:
    """A word as it is compared: lower case, without accents (ä -> a, å -> a, é -> e)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _load() -> tuple[list[dict[str, str]], dict[str, int]]:
    """The words by index (each language's form), and every folded form's index."""
    lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].split("\t") != list(LANGUAGES):
        raise WordListError(f"{WORDS_FILE}: the first line must be {' '.join(LANGUAGES)} (tab-separated)")
    words: list[dict[str, str]] = []
    index: dict[str, int] = {}
    for number, line in enumerate(lines[1:], start=2):
        forms = line.split("\t")
        if len(forms) != len(LANGUAGES):
            raise WordListError(f"{WORDS_FILE}:{number}: three words, tab-separated")
        for form in forms:
            key = fold(form)
            if not re.fullmatch(r"[a-z]{2,}", key):
                raise WordListError(f"{WORDS_FILE}:{number}: “{form}” is not one plain word")
            if index.get(key, len(words)) != len(words):
                raise WordListError(f"{WORDS_FILE}:{number}: “{form}” is already on line {index[key] + 2}")
            index[key] = len(words)
        words.append(dict(zip(LANGUAGES, forms, strict=True)))
    return words, index


WORDS, _INDEX = _load()


def generate() -> list[int]:
    """A new code: `CODE_WORDS` indexes of the list, from the system's secure random source."""
    return [secrets.randbelow(len(WORDS)) for _ in range(CODE_WORDS)]


def spell(code: list[int], language: str) -> str:
    """A code as the client reads it, in `language` (fi, sv or en), words separated by spaces."""
    lang = supported_language(language)
    return " ".join(WORDS[number][lang if lang in LANGUAGES else "fi"] for number in code)


def parse_code(text: str) -> list[int] | None:
    """The indexes of a typed code, or None when it is not `CODE_WORDS` words of the list.

    Forgiving of case, spaces, hyphens, commas, dots and accents, and of the
    language: each word may be written in any of the three.
    """
    parts = re.split(r"[\s\-‐‑–—_.,;:/]+", text.strip())
    parts = [part for part in parts if part]
    if len(parts) != CODE_WORDS:
        return None
    numbers = [_INDEX.get(fold(part)) for part in parts]
    if any(number is None for number in numbers):
        return None
    return [number for number in numbers if number is not None]


def code_hash(code: list[int]) -> str:
    """What is stored of a code: an HMAC of its indexes keyed from SECRET_KEY (the same in every language)."""
    return salted_hmac(_HASH_SALT, "-".join(str(number) for number in code), algorithm="sha256").hexdigest()
