"""Spotting acute risk in a client's message.

Every message, to the bot or to a counsellor, is checked. A hit shows emergency
guidance at once and puts the conversation at the top of the queue, so recall
comes first: a false alarm costs a counsellor a glance, a miss can cost a life.
Three nets, each catching what the one before missed:

1. The warning signs in ``bot/data/crisis-signals.yaml``: phrases in the
   pattern language of ``bot.signals``, reviewed by people who work with young
   people (the brain editor shows them), matched on the folded message after
   the harmless idioms of the same file are taken out. A word within one typing
   error of a word of the phrases counts as that word ("kuola" as "kuolla"),
   unless it is a word of its own (Voikko knows it, or the brain uses it).
2. With Voikko, base forms and compound parts (``baseforms`` in the same file):
   "itsemurhaa", "viiltelystä", "unilääkepurkki" in any inflection.
3. The brain's ``crisis`` topic: a message close to one of its example
   questions (``bot.similarity``) is flagged too, so that editors teach the
   detector new expressions in the brain editor, without code.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import yaml

from bot.analysis import VoikkoAnalyser, get_analyser, within_one_edit
from bot.signals import Phrase, fold, parse_phrase
from bot.wordlists import DATA_DIR

__all__ = ["SIGNS", "CrisisHit", "SignalLists", "detect_crisis", "fold", "gap", "signal_hits", "signal_lists"]

SIGNALS_FILE = DATA_DIR / "crisis-signals.yaml"


@dataclass(frozen=True)
class CrisisHit:
    """A sign of acute risk: which sign, what in the message matched, and by which rule.

    ``category`` is the warning sign (``SIGNS``); ``phrase`` the folded words of
    the message that matched; ``rule`` the phrase of the signal list, the base
    forms, or the crisis example question that matched; ``source`` which net.
    """

    category: str
    phrase: str
    lang: str
    rule: str = ""
    source: str = "signal"


@dataclass(frozen=True)
class Signal:
    sign: str
    lang: str
    phrase: Phrase
    pattern: re.Pattern[str]


def gap(n: int) -> str:
    """Up to ``n`` words in between, in a regular expression (bot.handoff's patterns)."""
    return rf"(?:\w+ ){{0,{n}}}"


class SignalFileError(ValueError):
    """``crisis-signals.yaml`` is malformed (the message names the sign and the phrase)."""


@dataclass(frozen=True)
class SignalLists:
    """The lists of ``crisis-signals.yaml`` besides the signs' phrases, as written: for people to review.

    The detector uses their compiled forms (``SignalFile``); these are the
    texts the brain editor's signals page shows (``bot.crisis_review``).
    """

    harmless: tuple[str, ...]
    past_signs: tuple[str, ...]
    past: tuple[str, ...]
    still: tuple[str, ...]
    baseforms: tuple[tuple[str, str], ...]  # (sign, the rule's base forms as written)


@dataclass(frozen=True)
class SignalFile:
    """``crisis-signals.yaml``, read and compiled."""

    signs: tuple[str, ...]
    signals: list[Signal]
    harmless: list[re.Pattern[str]]
    baseforms: list[tuple[str, frozenset[str]]]
    past_signs: frozenset[str]
    past: list[re.Pattern[str]]
    still: list[re.Pattern[str]]
    lists: SignalLists


def _patterns(texts: Iterable[object]) -> list[re.Pattern[str]]:
    return [re.compile(parse_phrase(str(text)).regex()) for text in texts]


def _load() -> SignalFile:
    data = yaml.safe_load(SIGNALS_FILE.read_text(encoding="utf-8"))
    signals: list[Signal] = []
    try:
        harmless = _patterns(data["harmless"])
        past = _patterns(data["past"]["markers"])
        still = _patterns(data["past"]["still"])
        for sign, languages in data["signs"].items():
            for lang, phrases in languages.items():
                for text in phrases:
                    phrase = parse_phrase(str(text))
                    signals.append(Signal(sign, lang, phrase, re.compile(phrase.regex())))
    except ValueError as error:
        raise SignalFileError(f"{SIGNALS_FILE}: {error}") from error
    baseforms = [
        (sign, frozenset(str(rule).lower().split())) for sign, rules in data["baseforms"].items() for rule in rules
    ]
    past_signs = frozenset(data["past"]["signs"])
    if unknown := past_signs - set(data["signs"]):
        raise SignalFileError(f"{SIGNALS_FILE}: past: no such sign {', '.join(sorted(unknown))}")
    lists = SignalLists(
        harmless=tuple(str(text) for text in data["harmless"]),
        past_signs=tuple(str(sign) for sign in data["past"]["signs"]),
        past=tuple(str(text) for text in data["past"]["markers"]),
        still=tuple(str(text) for text in data["past"]["still"]),
        baseforms=tuple((str(sign), str(rule)) for sign, rules in data["baseforms"].items() for rule in rules),
    )
    return SignalFile(tuple(data["signs"]), signals, harmless, baseforms, past_signs, past, still, lists)


_FILE = _load()
SIGNS, SIGNALS = _FILE.signs, _FILE.signals
# The words of the signal phrases; a message word within one typing error of one is read as it.
_VOCABULARY = frozenset(w for s in SIGNALS for w in s.phrase.words)
_WHOLE_WORDS = frozenset(
    w
    for s in SIGNALS
    for part in s.phrase.parts
    for alt in part.alternatives
    for w in alt
    if "*" not in w and len(w) >= 4
)
_PREFIXES = frozenset(
    w.strip("*")
    for s in SIGNALS
    for part in s.phrase.parts
    for alt in part.alternatives
    for w in alt
    if w.endswith("*") and not w.startswith("*") and len(w) >= 5
)


def signal_lists() -> SignalLists:
    """The harmless idioms, past and "still" markers and base-form rules as written in the file."""
    return _FILE.lists


# Longer "words" ("aaaa...", a pasted link) are nobody's typo, and their corrections would cost n² steps.
MAX_WORD = 30


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _index(words: Iterable[str]) -> dict[str, set[str]]:
    index: dict[str, set[str]] = {}
    for word in words:
        for key in {word} | _deletions(word):
            index.setdefault(key, set()).add(word)
    return index


_WORD_INDEX = _index(_WHOLE_WORDS)
_PREFIX_INDEX = _index(_PREFIXES)


@lru_cache(maxsize=50_000)
def _correction(token: str) -> str | None:
    """The signal word ``token`` is one typing error away from (a prefix for ``halu*``), or None."""
    if not 5 <= len(token) <= MAX_WORD or token in _VOCABULARY or token.isdigit():
        return None
    candidates = _one_edit_away(token, _WORD_INDEX)
    if candidates:
        return min(candidates)
    for length in range(5, len(token) + 1):
        found = _one_edit_away(token[:length], _PREFIX_INDEX)
        if found:
            return min(found) + token[length:]
    return None


def _one_edit_away(word: str, index: dict[str, set[str]]) -> set[str]:
    """The entries of a deletion ``index`` one typing error from ``word`` and with its first letter.

    A typo seldom hits the first letter; "vaping" is not "raping".
    """
    return {
        entry
        for key in {word} | _deletions(word)
        for entry in index.get(key, ())
        if entry[0] == word[0] and within_one_edit(word, entry)
    }


def _corrected(folded: str, known: set[str]) -> str | None:
    """``folded`` with likely typos of signal words put right, or None when nothing changed.

    ``known``: the folded forms of the message's words that are words of their
    own (Voikko knows "välitunnit", which folds to a near miss of "väkivalta").
    """
    out: list[str] = []
    changed = False
    for token in folded.split():
        fix = _correction(token)
        if fix is not None and fix != token and token not in known:
            out.append(fix)
            changed = True
        else:
            out.append(token)
    return " ".join(out) if changed else None


def clean(text: str) -> str:
    """The folded message without its harmless idioms (what the signs are looked for in)."""
    folded = fold(text[:5000])
    for harmless in _FILE.harmless:
        folded = harmless.sub(" ", folded)
    return " ".join(folded.split())


def about_the_past(folded: str) -> bool:
    """Whether the message tells of the past (a past marker) and nothing says it is happening again."""
    return any(p.search(folded) for p in _FILE.past) and not any(p.search(folded) for p in _FILE.still)


def signal_hits(text: str, is_word: Callable[[str], bool] | None = None) -> list[CrisisHit]:
    """Every phrase of the signal lists that matches ``text`` (the signs in the file's order).

    ``is_word`` says whether a word the signal lists do not know is a word of
    its own (then it is not read as a typo of a signal word). Hits of the
    signs that can be in the past (self-harm, violence, danger) are left out
    when the message tells of the past and not of now.
    """
    folded = clean(text)
    if not folded:
        return []
    texts = [folded]
    check = is_word or _voikko_word
    known = {fold(w) for w in re.findall(r"[\wåäö]+", text[:5000].lower()) if _correction(fold(w)) and check(w)}
    fixed = _corrected(folded, known)
    if fixed is not None:
        texts.append(fixed)
    past = about_the_past(folded)
    hits: list[CrisisHit] = []
    for signal in SIGNALS:
        if past and signal.sign in _FILE.past_signs:
            continue
        for candidate in texts:
            m = signal.pattern.search(candidate)
            if m:
                hits.append(CrisisHit(signal.sign, m.group(0).strip(), signal.lang, signal.phrase.text))
                break
    return hits


def _voikko_word(word: str) -> bool:
    analyser = get_analyser()
    return isinstance(analyser, VoikkoAnalyser) and analyser.is_word(word)


def baseform_hits(text: str) -> list[CrisisHit]:
    """With Voikko: the base-form rules all of whose forms are in ``text`` (any inflection, compound parts too).

    The words of harmless idioms are left out, as for the signal lists.
    """
    analyser = get_analyser()
    if not isinstance(analyser, VoikkoAnalyser):
        return []
    cleaned = clean(text)
    kept = Counter(cleaned.split())
    words: set[str] = set()
    for tok in text[:5000].lower().split():
        folded = fold(tok).split()
        if not folded or any(kept[f] <= 0 for f in folded):
            continue
        kept.subtract(folded)
        word = re.sub(r"[^\wåäö-]", "", tok)
        if word:
            words.update(analyser.word_terms(word, "fi"))
    past = about_the_past(cleaned)
    return [
        CrisisHit(sign, " ".join(sorted(needed)), "fi", " ".join(sorted(needed)), "baseform")
        for sign, needed in _FILE.baseforms
        if needed <= words and not (past and sign in _FILE.past_signs)
    ]


def detect_crisis(text: str, lang: str | None = None) -> CrisisHit | None:
    """The first sign of acute risk in ``text`` by the signal lists and base forms, or None.

    ``lang`` is only a hint for reporting: all languages' signals are looked
    for in every message, because clients switch languages and a Swedish cry
    for help on the Finnish page must not be missed. The brain's crisis
    examples are the bot's third net (``bot.engine.Bot.crisis_hits``).
    """
    if not text or not text.strip():
        return None
    hits = signal_hits(text) or baseform_hits(text)
    return hits[0] if hits else None
