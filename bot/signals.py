"""Word patterns that editors can read: the language of the crisis signal lists.

The warning signs the bot looks for (``bot/data/crisis-signals.yaml``) are
written as *phrases*, not as regular expressions, so that a youth worker can
review them (the brain editor shows them) and a developer can blame a false
alarm on one line. A phrase is matched against the *folded* message (``fold``:
lowercase, ä->a, ö->o, å->a, punctuation removed):

- ``kuolla``: the word itself; ``en halua``: these words in a row;
- ``halu*``: a word that starts with ``halu`` (haluun, haluan, haluis...);
- ``*ystava``: a word that ends with ``ystava`` (poikaystava, tyttoystava);
- ``en|ei|en halua``: any of these;
- ``~3``: up to three other words may stand between the parts on either side;
  ``~0``: the next part follows at once.

So ``halu*|tahdo* ~3 kuolla|kuolisin`` finds "haluun vaan niin kuolla" and
"tahdon kuolla". Letters with diacritics may be written as they are (they
are folded like the message). Each phrase compiles to one regular
expression on the folded text; the patterns are never written by hand.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_FOLD = str.maketrans({"ä": "a", "ö": "o", "å": "a", "é": "e", "ü": "u", "’": "'", "´": "'", "`": "'"})

# A slot: letters, digits and apostrophes, with an optional * at either end.
_SLOT_RE = re.compile(r"^\*?[a-z0-9']+\*?$")
_GAP_RE = re.compile(r"^~([0-9])$")


class PhraseError(ValueError):
    """A phrase that is not in the pattern language (the message says what and where)."""


def fold(text: str) -> str:
    """Lowercase, without diacritics and punctuation, one space between words.

    Letters of other alphabets are kept out (they never occur in a phrase);
    combining marks are dropped after the ä/ö/å folding, so "ä" typed as "a"
    plus a combining diaeresis folds like "ä".
    """
    t = unicodedata.normalize("NFC", text.lower()).translate(_FOLD)
    t = "".join(c for c in unicodedata.normalize("NFD", t) if not unicodedata.combining(c))
    t = re.sub(r"[^a-z0-9' ]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


@dataclass(frozen=True)
class Part:
    """One part of a phrase: alternatives, each a row of words (a word may have * at its ends)."""

    alternatives: tuple[tuple[str, ...], ...]

    def regex(self) -> str:
        return "(?:" + "|".join(" ".join(_word_regex(w) for w in alt) for alt in self.alternatives) + ")"


def _word_regex(word: str) -> str:
    core = re.escape(word.strip("*"))
    return ("[a-z0-9']*" if word.startswith("*") else "") + core + ("[a-z0-9']*" if word.endswith("*") else "")


@dataclass(frozen=True)
class Phrase:
    """A parsed phrase: its text (as written), its parts and the gaps between them."""

    text: str
    parts: tuple[Part, ...]
    gaps: tuple[int, ...]  # gaps[i]: how many words may stand between part i and part i + 1

    def regex(self) -> str:
        out = [self.parts[0].regex()]
        for gap, part in zip(self.gaps, self.parts[1:], strict=True):
            out.append(f" (?:[a-z0-9']+ ){{0,{gap}}}" if gap else " ")
            out.append(part.regex())
        return r"(?<![a-z0-9'])" + "".join(out) + r"(?![a-z0-9'])"

    @property
    def words(self) -> list[str]:
        """Every word of the phrase without its stars (what spelling correction aims at)."""
        return [w.strip("*") for part in self.parts for alt in part.alternatives for w in alt]


def _fold_word(word: str) -> str:
    return word.lower().translate(_FOLD)


def parse_phrase(text: str) -> Phrase:
    """Parse one phrase of the pattern language (see the module's docstring)."""
    segments: list[list[str]] = [[]]
    gaps: list[int] = []
    for item in text.split():
        gap = _GAP_RE.match(item)
        if gap:
            if not segments[-1]:
                raise PhraseError(f"“{item}” must stand between two parts")
            gaps.append(int(gap.group(1)))
            segments.append([])
        else:
            segments[-1].append(item)
    if not segments[-1]:
        raise PhraseError("the phrase is empty" if not gaps else "a phrase cannot end with a gap")
    parts = []
    for segment in segments:
        alternatives = []
        for alt in " ".join(segment).split("|"):
            # A hyphen folds to a space in the message too: "ala-asteella" is two words.
            words = tuple(w for raw in alt.split() for w in _fold_word(raw).replace("-", " ").split())
            if not words:
                raise PhraseError(f"an empty alternative in “{' '.join(segment)}”")
            for word in words:
                if not _SLOT_RE.match(word):
                    raise PhraseError(
                        f"“{word}” is not a word: write letters and digits, with * at the start or end, "
                        "alternatives separated by |"
                    )
                if "*" in word and len(word.strip("*")) < 2:
                    raise PhraseError(f"“{word}” matches too much: put at least two letters beside the *")
            alternatives.append(words)
        parts.append(Part(tuple(alternatives)))
    return Phrase(text, tuple(parts), tuple(gaps))


def compile_phrase(text: str) -> re.Pattern[str]:
    """The regular expression of a phrase, for searching folded text."""
    return re.compile(parse_phrase(text).regex())
