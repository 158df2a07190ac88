"""Turning a client's message into index terms.

Clients write short, spoken, misspelt Finnish ("paljonko asumistukee sais",
"ekan oman asunon"). Matching raw words would miss almost everything, so every
word is reduced to what it means for retrieval:

* With Voikko (the Finnish morphological analyser), each word becomes its base
  forms (all readings, since we cannot disambiguate cheaply) plus the parts of
  a compound (``asumistuki`` -> ``asumistuki``, ``asua``, ``tuki``), so a
  question about "tuki" still finds "asumistuki" and vice versa. Words Voikko
  does not know are probably typos and are replaced by its first suggestions.
* Without Voikko (not installed, or forced with ``KOHTAAMO_ANALYSER=snowball``)
  and for Swedish and English, a Snowball stemmer is used. It is cruder but
  always available, so the bot keeps working on any installation. For Finnish
  the ranking index binds it to the brain's own words (``Lexicon``), which
  stand in for Voikko's dictionary: compounds are split where their parts are
  words the brain uses, a "-minen" noun meets its verb, and a word the brain
  does not use is matched to a known one one typo away, in another consonant
  grade ("asunnon" : "asunto") or sharing nearly all of its stem.

The word lists (spoken forms, synonyms, stop words, everyday words, gradation
pairs, case endings) are data files in ``bot/data/`` (``bot.wordlists``).

Frequent spoken forms are normalised to standard Finnish first, because neither
Voikko nor Snowball knows "mä", "sais" or "itteni". Analyses are cached per
word: a message has few words and the vocabulary of a help chat is small, so
after warm-up nearly every word is a cache hit and an analysis costs
microseconds.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import logging
import os
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, Protocol

import snowballstemmer  # type: ignore[import-untyped]

from bot.wordlists import load_mapping, load_table, load_words

logger = logging.getLogger(__name__)

# The languages the analysers have resources for, with their Snowball stemmer
# (and a stopword list, bot/data/stopwords-<code>.txt, each). Which of them the
# bot speaks is settings.LANGUAGES (common.languages); BotConfig.ready() checks
# that the bot has resources for every one of those (bot.language.check_languages).
SNOWBALL_ALGORITHMS: dict[str, str] = {"fi": "finnish", "sv": "swedish", "en": "english"}

# Letters of the three languages; digits are kept so "600" or "18v" stay visible,
# hyphens join words such as "te-toimisto".
_TOKEN_RE = re.compile(r"[0-9a-zåäöüéè]+(?:-[0-9a-zåäöüéè]+)*")

# Spoken Finnish -> standard Finnish ("mä" -> "minä"), spoken stems by prefix
# ("amiksesta" -> "ammattikoulu", first match wins) and spoken endings tried
# before spelling suggestions ("tukee" -> "tukea"): see the files' headers.
SPOKEN_FI: dict[str, str] = load_mapping("spoken-fi.txt")
SPOKEN_PREFIX_FI: tuple[tuple[str, str], ...] = tuple(load_mapping("spoken-prefixes-fi.txt").items())
_SPOKEN_ENDINGS_FI: tuple[tuple[str, tuple[str, ...]], ...] = tuple(load_table("spoken-endings-fi.txt"))


# Everyday, spoken and slang words -> the vocabulary the brain is written in,
# keyed by base form ("kämppä" -> "asunto", "duuni" -> "työ").
SYNONYMS_FI: dict[str, tuple[str, ...]] = dict(load_table("synonyms-fi.txt"))
# The same for Swedish and English, keyed by word: both sides are stemmed (_Base._synonyms_of).
SYNONYMS_OTHER: dict[str, dict[str, tuple[str, ...]]] = {
    lang: dict(load_table(f"synonyms-{lang}.txt")) for lang in ("sv", "en")
}


def spoken_variants(word: str) -> list[str]:
    """Standard-Finnish candidates for a spoken form Voikko does not know."""
    out = [std for prefix, std in SPOKEN_PREFIX_FI if word.startswith(prefix)]
    for end, repl in _SPOKEN_ENDINGS_FI:
        if word.endswith(end) and len(word) > len(end) + 2:
            out.extend(word[: -len(end)] + r for r in repl)
    return out


# Words that carry no topic, per language; checked against both the surface
# word and its base form.
STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(load_words(f"stopwords-{lang}.txt")) for lang in SNOWBALL_ALGORITHMS
}

# Everyday words that appear in questions about anything ("hyvä", "paras",
# "huomenna", "saada"): confidence counts them only a little (bot.ranking).
WEAK_WORDS_FI: tuple[str, ...] = load_words("weak-words-fi.txt")


# At most this many spellings with ä and ö are tried for a word Voikko does not know.
MAX_UMLAUT_VARIANTS = 8


def umlaut_variants(word: str) -> list[str]:
    """Spellings of ``word`` with ä for a and ö for o: all of them at once, then one at a time.

    For a word without ä or ö only (one that has them was typed with them).
    """
    if "ä" in word or "ö" in word:
        return []
    out = [word.replace("o", "ö"), word.replace("a", "ä"), word.replace("a", "ä").replace("o", "ö")]
    out += [word[:i] + {"a": "ä", "o": "ö"}[c] + word[i + 1 :] for i, c in enumerate(word) if c in "ao"]
    return [v for v in dict.fromkeys(out) if v != word][:MAX_UMLAUT_VARIANTS]


def tokens(text: str) -> list[str]:
    """Lowercased word tokens; punctuation, emoji and markup are dropped."""
    return _TOKEN_RE.findall(text.lower())


# --- Finnish without Voikko: what the brain's own words tell ----------------
#
# Snowball only cuts endings, so it cannot split compounds ("harrastusmaksu"),
# relate the grades of a stem ("asunto"/"asunnon", "tuki"/"tuen") or fix
# typos. The brain's own texts are a good dictionary for what clients ask
# about: a ``Lexicon`` of their words lets the Snowball analyser split a word
# into known parts and map an unknown word to a known one. General Finnish
# morphology and the brain's words only; nothing here knows any question set.

_VOWELS = frozenset("aeiouyäö")

# Consonant gradation, strong grade -> weak grade, as it shows inside stems
# ("asunto" : "asunnon"), tried in order; k-gradation ("tuki" : "tuen") is
# handled in gradation_variants.
GRADATION_FI: tuple[tuple[str, str], ...] = tuple(
    (strong, weak) for strong, weaks in load_table("gradation-fi.txt", unique=False) for weak in weaks
)

# Gradation happens at the start of a stem's last syllable: look only this far
# from the end.
_GRADATION_WINDOW = 5


def gradation_variants(stem: str) -> list[str]:
    """``stem`` with the consonant grade of its last syllables swapped, either way.

    "asunno" -> "asunto", "vaihdo" -> "vaihto", "tue" -> "tuke", "suhd" -> "suht",
    and the spoken loss of d: "kahe" -> "kahde".
    Candidates only: callers keep the ones their vocabulary knows.
    """
    out: dict[str, None] = {}
    n = len(stem)
    start = max(1, n - _GRADATION_WINDOW)
    for strong, weak in GRADATION_FI:
        for src, dst in ((strong, weak), (weak, strong)):
            i = stem.find(src, start)
            while i != -1:
                end = i + len(src)
                before, after = stem[i - 1], stem[end] if end < n else ""
                # Between a vowel and a vowel (or the end of the stem), and not
                # one letter of a longer cluster ("tt" is not two "t"s).
                if (
                    before in _VOWELS
                    and (after == "" or after in _VOWELS)
                    and not (len(src) == 1 and (before == src or after == src))
                ):
                    out.setdefault(stem[:i] + dst + stem[end:], None)
                i = stem.find(src, i + 1)
    for i in range(start, n + 1):
        before, after = stem[i - 1], stem[i] if i < n else ""
        if before in _VOWELS and after in _VOWELS and after:
            out.setdefault(stem[:i] + "k" + stem[i:], None)  # "tue" -> "tuke"
            # Spoken Finnish drops a weak-grade d: "kahen" = "kahden", "meiän" = "meidän".
            out.setdefault(stem[:i] + "d" + stem[i:], None)
        if before == "h" and after in _VOWELS and after:
            out.setdefault(stem[:i] + "d" + stem[i:], None)  # "tehä" -> "tehdä"
        if after == "k" and before in _VOWELS and (i + 1 == n or stem[i + 1] in _VOWELS):
            out.setdefault(stem[:i] + stem[i + 1 :], None)  # "tuke" -> "tue"
    out.pop(stem, None)
    return list(out)


# Case endings simple enough to add to a base form without knowing its
# inflection type; "a" stands for "a" or "ä" by vowel harmony.
_CASE_ENDINGS: tuple[str, ...] = load_words("case-endings-fi.txt")


def case_forms(word: str) -> list[str]:
    """``word`` and some of its case forms, built naively ("nimetön" -> "nimetöntä", ...).

    Only for comparing stems: a form may be wrong for a word whose stem
    changes, which costs nothing but an unused key.
    """
    if " " in word or "-" in word:
        return [word]
    back = any(c in "aou" for c in word)
    return [word] + [word + (e if back else e.replace("a", "ä")) for e in _CASE_ENDINGS]


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def within_one_edit(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by at most one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True  # substitution
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    return a[i + 1 :] == b[i:] if la > lb else a[i:] == b[i + 1 :]


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


class Lexicon:
    """The Finnish words of the brain's texts, for splitting and matching without Voikko.

    ``stem`` is the analyser's stemmer; the lexicon knows the words themselves
    (for compound heads and typos) and their stems (for inflected tails and
    near matches).
    """

    # Shortest compound part; three-letter parts ("työ", "ikä") only when the
    # brain uses them as words of their own.
    MIN_PART = 4
    # Shortest word to split: two parts.
    MIN_COMPOUND = 7
    # A compound has at most this many parts ("kesä+työ+paikka").
    MAX_PARTS = 3
    # Shortest known end of an unknown word that is kept as a part on its own.
    MIN_PARTIAL = 6
    # Shortest word for typo correction and prefix matching: short words are
    # too often one letter away from an unrelated word.
    MIN_NEAR = 5
    # Stems sharing at least this long a prefix may be one word in two grades
    # or forms ("päätöks"/"päätös").
    MIN_PREFIX = 5
    # Longer "words" are pasted links or keyboard mashing: not worth the work.
    MAX_WORD = 40

    def __init__(self, words: Iterable[str], stem: Callable[[str], str], stopwords: frozenset[str] = frozenset()):
        self._stem_fn = stem
        self._stem_cache: dict[str, str] = {}
        self.words: frozenset[str] = frozenset(w for w in words if len(w) >= 3 and w.isalpha() and w not in stopwords)
        self.stems: frozenset[str] = frozenset(self.stem(w) for w in self.words)
        # Forms a word takes as the first part of a compound: the word itself
        # ("harrastus-", "viikon-") or, for "-nen" words, the s-stem
        # ("aikuinen" -> "aikuis-", "asuminen" -> "asumis-").
        self._s_heads = frozenset(w[:-3] + "s" for w in self.words if w.endswith("nen") and len(w) > 6)
        self.heads: frozenset[str] = self.words | self._s_heads
        self._sorted_stems = sorted(self.stems)
        # Cheap pre-filter before stemming a candidate compound tail.
        self._stem_heads = frozenset(s[:3] for s in self.stems)
        self._by_delete: dict[str, list[str]] = defaultdict(list)
        for w in self.words:
            if len(w) >= self.MIN_NEAR - 1:
                for d in _deletes(w) | {w}:
                    self._by_delete[d].append(w)

    def stem(self, word: str) -> str:
        s = self._stem_cache.get(word)
        if s is None:
            s = self._stem_fn(word)
            if len(self._stem_cache) < 200_000:  # bounded: clients write anything
                self._stem_cache[word] = s
        return s

    def knows(self, word: str) -> bool:
        """Whether the brain uses ``word`` or another form of its stem."""
        return word in self.words or self.stem(word) in self.stems

    def _short_word(self, part: str) -> bool:
        # A three-letter part is a word of the brain's own ("työ", "ikä",
        # "osa"), not an ending ("-lle", "-ltä"): it starts like a Finnish word,
        # with a vowel among its first two letters.
        return len(part) == 3 and part in self.words and (part[0] in _VOWELS or part[1] in _VOWELS)

    def _head_known(self, part: str) -> bool:
        # A compound's non-final part stands in a form of its own
        # ("harrastus-", "viikon-", "aikuis-"), never a bare Snowball stem.
        if len(part) < self.MIN_PART:
            return self._short_word(part)
        return part in self.heads

    def _tail_known(self, part: str) -> bool:
        # The final part carries the inflection ("-maksuihin"): compare stems.
        if len(part) < self.MIN_PART:
            return self._short_word(part)
        if part in self.words:
            return True
        if part[:3] not in self._stem_heads:
            return False
        stem = self.stem(part)
        # The tail may be in a grade the brain does not use ("-taudin" : "tauti").
        return stem in self.stems or (
            len(stem) >= self.MIN_PART and any(v in self.stems for v in gradation_variants(stem))
        )

    def split(self, word: str) -> list[str]:
        """The known parts of a compound, or ``[]``.

        "harrastusmaksuihin" -> ["harrastus", "maksuihin"] when the brain knows
        "harrastus" and a form of "maksu". The split with the fewest, longest
        parts wins. When no split explains an unknown word, a long known tail
        or head alone is returned ("harrastusvinkkejä" -> ["harrastus"]).
        """
        n = len(word)
        if not self.MIN_COMPOUND <= n <= self.MAX_WORD or not word.isalpha():
            return []
        # best[i]: (score, parts) of the best split of word[:i] into known heads.
        best: list[tuple[int, list[str]] | None] = [None] * (n + 1)
        best[0] = (0, [])
        for i in range(3, n - 2):
            for j in range(max(0, i - 20), i - 2):
                prev = best[j]
                if prev is None or len(prev[1]) >= self.MAX_PARTS - 1:
                    continue
                part = word[j:i]
                if self._head_known(part):
                    score = prev[0] + len(part) ** 2
                    cur = best[i]
                    if cur is None or score > cur[0]:
                        best[i] = (score, [*prev[1], part])
        whole: tuple[int, list[str]] | None = None
        for i in range(3, n - 2):
            prev = best[i]
            if prev is None or not prev[1]:
                continue
            tail = word[i:]
            # After an s-form head, "-esta", "-esti", "-iin" are the endings
            # of a "-nen" word ("ammatillisesta"), not another word.
            if prev[1][-1] in self._s_heads and prev[1][-1] not in self.words and tail[0] in "ei":
                continue
            if self._tail_known(tail):
                score = prev[0] + len(tail) ** 2
                if whole is None or score > whole[0]:
                    whole = (score, [*prev[1], tail])
        if whole is not None:
            return whole[1]
        if self.knows(word):
            return []  # a guessed boundary would more often cut a known word wrong
        # An unknown word of which only one end is known: keep that end, if
        # both it and the rest are long enough to be words.
        for i in range(self.MIN_PART, n - self.MIN_PARTIAL + 1):
            if self._tail_known(word[i:]):
                return [word[i:]]
        for i in range(n - self.MIN_PART, self.MIN_PARTIAL - 1, -1):
            if word[:i] in self.heads:
                return [word[:i]]
        return []

    def corrections(self, word: str) -> list[str]:
        """Brain words one typo away from ``word`` (which the brain does not use)."""
        if len(word) < self.MIN_NEAR or word in self.words:
            return []
        found: dict[str, None] = {}
        for d in _deletes(word) | {word}:
            for cand in self._by_delete.get(d, ()):
                if cand not in found and within_one_edit(word, cand):
                    found[cand] = None
        # Prefer the candidates that keep the start of the word: typos are
        # rarer in the first letters.
        return sorted(found, key=lambda c: (-_common_prefix(word, c), c))[:3]

    def prefix_matches(self, stem: str) -> list[str]:
        """Known stems that are probably other forms of the unknown ``stem``.

        They must share a prefix of at least ``MIN_PREFIX`` letters that covers
        nearly all of both ("päätöks" ~ "päätös"), so that "opintotuk" does not
        meet "opintorah". Stems that differ only by a final vowel count too
        ("suht" ~ "suhte", "kahde" ~ "kahd").
        """
        if len(stem) < self.MIN_PART:
            return []
        # Stems that differ only by a final vowel ("kahde" ~ "kahd").
        short = [t for t in (stem + v for v in "aeiouyäö") if t in self.stems]
        if stem[-1] in _VOWELS and stem[:-1] in self.stems and len(stem) > self.MIN_PART:
            short.append(stem[:-1])
        if len(stem) < self.MIN_PREFIX or short:
            return short
        key = stem[: self.MIN_PREFIX]
        start = bisect.bisect_left(self._sorted_stems, key)
        best: list[str] = []
        best_len = 0
        for t in itertools.islice(self._sorted_stems, start, None):
            if not t.startswith(key):
                break
            common = _common_prefix(stem, t)
            longest = max(len(stem), len(t))
            if common >= longest - 2 or (common >= 7 and common >= longest - 3):
                if common > best_len:
                    best, best_len = [t], common
                elif common == best_len:
                    best.append(t)
        return best[:3]

    def near(self, word: str) -> list[str]:
        """Known stems an unknown word probably means, best evidence first.

        Tried in order, the first that finds anything wins: a typo of a brain
        word, the stem in another consonant grade, another form of the stem by
        a shared prefix (also in the other grade).
        """
        if len(word) > self.MAX_WORD:
            return []
        fixed = self.corrections(word)
        if fixed:
            return list(dict.fromkeys(self.stem(w) for w in fixed))
        if len(word) < self.MIN_PART:
            return []
        stem = self.stem(word)
        graded = [v for v in gradation_variants(stem) if v in self.stems]
        if graded:
            return graded
        # Snowball leaves the translative of "-kseni", "-kseen" ("työkseni" -> "työks").
        if stem.endswith("ks") and stem[:-2] in self.stems and len(stem) >= 5:
            return [stem[:-2]]
        if len(word) < self.MIN_NEAR:
            return []
        for cand in [stem, *gradation_variants(stem)]:
            found = self.prefix_matches(cand)
            if found:
                return found
        return []


class Analyser(Protocol):
    """What ranking and crisis detection need from an analyser."""

    name: str

    def terms(self, text: str, lang: str) -> list[str]: ...


class _Base:
    """Shared tokenising, stopwords and per-word caching.

    Subclasses implement ``_word_terms``; the cache is per instance so that
    tests can build analysers with different back-ends side by side.
    """

    name = "base"

    def __init__(self, cache_size: int = 100_000) -> None:
        self._stemmers: dict[str, Any] = {
            lang: snowballstemmer.stemmer(algorithm) for lang, algorithm in SNOWBALL_ALGORITHMS.items()
        }
        # A Snowball stemmer keeps the word it works on in the object: two
        # threads stemming at once (a bot built in the background beside one
        # built for a request) corrupt each other's word (IndexError).
        self._stem_lock = threading.Lock()
        # Swedish and English synonyms keyed by stem, per language, built on first use (_synonyms_of).
        self._other_synonyms: dict[str, dict[str, tuple[str, ...]]] = {}
        self._cached = functools.lru_cache(maxsize=cache_size)(self._word_terms)

    def terms(self, text: str, lang: str) -> list[str]:
        """Index terms for ``text``, in order of first appearance, deduplicated."""
        if lang not in SNOWBALL_ALGORITHMS:
            lang = "fi"
        stop = STOPWORDS[lang]
        seen: dict[str, None] = {}
        for tok in tokens(text):
            if tok in stop:
                continue
            for term in self._cached(tok, lang):
                if term not in stop:
                    seen.setdefault(term, None)
        return list(seen)

    def word_terms(self, word: str, lang: str) -> tuple[str, ...]:
        """Terms of one lowercase word (cached)."""
        return self._cached(word, lang)

    def _stem(self, word: str, lang: str) -> str:
        with self._stem_lock:
            return str(self._stemmers[lang].stemWord(word))

    def _word_terms(self, word: str, lang: str) -> tuple[str, ...]:
        raise NotImplementedError

    def _other_terms(self, word: str, lang: str) -> tuple[str, ...]:
        """A Swedish or English word's stem and the stems of its synonyms (``synonyms-<lang>.txt``)."""
        stem = self._stem(word, lang)
        return (stem, *self._synonyms_of(lang).get(stem, ()))

    def _synonyms_of(self, lang: str) -> dict[str, tuple[str, ...]]:
        tables = self._other_synonyms
        if lang not in tables:
            table: dict[str, tuple[str, ...]] = {}
            for key, values in SYNONYMS_OTHER.get(lang, {}).items():
                stem = self._stem(key, lang)
                extra = [self._stem(w, lang) for v in values for w in v.split()]
                table[stem] = tuple(dict.fromkeys(table.get(stem, ()) + tuple(e for e in extra if e != stem)))
            tables[lang] = table
        return tables[lang]


class SnowballAnalyser(_Base):
    """Snowball stems for every language; the fallback when Voikko is missing.

    Bound to the brain's vocabulary (``with_vocabulary``, which the ranking
    index does), it also does for Finnish some of what Voikko would: splits
    compounds into parts the brain knows, relates a "-minen" noun to its
    verb, and offers near matches (``near``) for words the brain
    does not use: typos, other consonant grades, other forms of a stem.
    """

    name = "snowball"

    def __init__(self, cache_size: int = 100_000, lexicon: Lexicon | None = None) -> None:
        super().__init__(cache_size)
        self.lexicon = lexicon
        self._near_cache: dict[str, tuple[str, ...]] = {}
        self._synonyms: dict[str, tuple[str, ...]] | None = None

    def _stem(self, word: str, lang: str) -> str:
        stem = super()._stem(word, lang)
        if lang == "fi" and len(stem) < 3 <= len(word) - 1:
            # Snowball cuts some short words to two letters ("yhtään" -> "yh",
            # "esseen" -> "es"), which then meet unrelated words: keep three.
            return word[:3]
        return stem

    def with_vocabulary(self, texts: Iterable[str]) -> SnowballAnalyser:
        """A copy of this analyser that knows the words of ``texts`` (Finnish)."""
        words = {SPOKEN_FI.get(part, part) for text in texts for tok in tokens(text) for part in tok.split("-")}
        lexicon = Lexicon(words, lambda w: self._stem(w, "fi"), STOPWORDS["fi"])
        return SnowballAnalyser(lexicon=lexicon)

    def _word_terms(self, word: str, lang: str) -> tuple[str, ...]:
        if lang != "fi" and "-" not in word:
            return self._other_terms(word, lang)
        if lang == "fi":
            word = SPOKEN_FI.get(word, word)
        out: dict[str, None] = {}
        parts: list[str] = []
        for w in word.replace("-", " ").split():
            if lang == "fi":
                w = SPOKEN_FI.get(w, w)
                w = next((std for prefix, std in SPOKEN_PREFIX_FI if w.startswith(prefix)), w)
                if self.lexicon is not None and " " not in w:
                    parts.extend(self.lexicon.split(w))
            out.setdefault(self._stem(w, lang) if not w.isdigit() else w, None)
        if lang == "fi":
            # Compound parts after the whole word: it stays the word's main term.
            out.update(dict.fromkeys(self._stem(p, lang) for p in parts))
            verb = self._verb_of_noun(next(iter(out), ""))
            if verb:
                out.setdefault(verb, None)
            synonyms = self._stemmed_synonyms()
            for term in list(out):
                extra = synonyms.get(term)
                if extra is None and len(term) >= 5:
                    # The table knows the word in the other grade ("luottotiedo" : "luottotieto").
                    extra = next((synonyms[v] for v in gradation_variants(term) if v in synonyms), None)
                out.update(dict.fromkeys(extra or ()))
        return tuple(out)

    def _verb_of_noun(self, stem: str) -> str:
        """The verb's stem for a "-minen" noun's stem ("eroamin" -> "eroa", "lopettamin" -> "lopet").

        Only when the brain uses the verb, so that "eroaminen" meets "eroan".
        """
        if self.lexicon is None or len(stem) < 7 or stem[-3:] not in ("min", "mis"):
            return ""
        base = stem[:-3]
        verb = self._stem(base + ("a" if any(c in "aou" for c in base) else "ä"), "fi")
        return verb if verb != stem and len(verb) >= 4 and verb in self.lexicon.stems else ""

    def near(self, word: str, lang: str) -> tuple[str, ...]:
        """Stems the brain uses that an unknown word probably means (typo, grade, other form)."""
        if lang != "fi" or self.lexicon is None or word.isdigit():
            return ()
        hit = self._near_cache.get(word)
        if hit is None:
            w = SPOKEN_FI.get(word, word)
            hit = tuple(self.lexicon.near(w)) if w.isalpha() else ()
            if len(self._near_cache) < 50_000:
                self._near_cache[word] = hit
        return hit

    def _stemmed_synonyms(self) -> dict[str, tuple[str, ...]]:
        # One table per instance, built on first use. Not functools.cache on
        # the method: that would keep every analyser the index ever bound alive.
        if self._synonyms is None:
            self._synonyms = self._build_synonyms()
        return self._synonyms

    def _build_synonyms(self) -> dict[str, tuple[str, ...]]:
        table: dict[str, tuple[str, ...]] = {}
        for key, values in SYNONYMS_FI.items():
            stem = self._stem(key, "fi")
            extra = tuple(self._stem(v, "fi") for v in values if self._stem(v, "fi") != stem)
            table[stem] = tuple(dict.fromkeys(table.get(stem, ()) + extra))
        # Snowball gives a base form and its inflected forms different stems
        # ("nimetön" -> "nimetö", "nimetöntä" -> "nimetön"): key the table by
        # the stems of common case forms too, where no base form has that stem.
        inflected: dict[str, tuple[str, ...]] = {}
        for key in SYNONYMS_FI:
            for form in case_forms(key)[1:]:
                stem = self._stem(form, "fi")
                if stem not in table and stem not in inflected:
                    inflected[stem] = tuple(v for v in table[self._stem(key, "fi")] if v != stem)
        return table | inflected


class VoikkoAnalyser(_Base):
    """Voikko base forms and compound parts for Finnish, Snowball for sv/en.

    libvoikko handles are not thread-safe, so calls into it are serialised with
    a lock; the per-word cache keeps the lock cheap in practice.
    """

    name = "voikko"

    def __init__(self, cache_size: int = 100_000) -> None:
        import libvoikko  # imported here so that a missing library is a clean fallback

        self._voikko = libvoikko.Voikko("fi")
        self._lock = threading.Lock()
        super().__init__(cache_size)

    def _analyse(self, word: str) -> list[dict[str, str]]:
        with self._lock:
            return list(self._voikko.analyze(word))

    @functools.lru_cache(maxsize=50_000)  # noqa: B019 - one analyser per process, kept for its life
    def is_word(self, word: str) -> bool:
        """Whether Voikko knows ``word`` (also in a spoken form): a word of its own, not a typo."""
        return bool(self._analyse(word)) or any(self._analyse(v) for v in spoken_variants(word))

    @staticmethod
    def _from_analyses(analyses: list[dict[str, str]]) -> list[str]:
        """Base forms, then compound parts (and derivation bases) of every reading."""
        out: list[str] = []
        for a in analyses:
            base = (a.get("BASEFORM") or "").lower()
            if base:
                out.append(base)
        for a in analyses:
            # "+asumis(asua)+tuki(tuki)" -> asua, tuki; "(+ja)" marks a suffix.
            for group in re.findall(r"\(([^)]*)\)", a.get("WORDBASES") or ""):
                if group.startswith("+"):
                    continue
                # "viikon=loppu=isä" marks parts of an unanalysed compound.
                out.extend(p for p in group.lower().split("=") if len(p) >= 3)
        return out

    def _word_terms(self, word: str, lang: str) -> tuple[str, ...]:
        if lang != "fi":
            return self._other_terms(word, lang)
        if word.isdigit():
            return (word,)
        word = SPOKEN_FI.get(word, word)
        out: dict[str, None] = {}
        parts = [word] if " " not in word else word.split()
        if "-" in word:
            whole = self._analyse(word)
            if whole:
                out.update(dict.fromkeys(self._from_analyses(whole)))
            else:
                # "te-toimisto": keep the whole name so it can match as one term.
                out.setdefault(word, None)
            parts = [SPOKEN_FI.get(p, p) for p in word.split("-") if p]
        for w in parts:
            analyses = self._analyse(w)
            if not analyses and not w.isdigit():
                for variant in spoken_variants(w):
                    analyses.extend(self._analyse(variant))
            if not analyses and not w.isdigit() and len(w) > 2:
                # The commonest typo of a chat: ä and ö typed as a and o ("tyottomyysturva").
                # Voikko's own suggestions would fix more, but take 1-8 ms a word; the
                # classifier's letter sequences carry other typos ("asunon").
                for variant in umlaut_variants(w):
                    analyses = self._analyse(variant)
                    if analyses:
                        break
            if analyses:
                out.update(dict.fromkeys(self._from_analyses(analyses)))
            else:
                # Names, abbreviations, unknown slang: keep the word itself.
                out.setdefault(w, None)
        for term in list(out):
            out.update(dict.fromkeys(SYNONYMS_FI.get(term, ())))
        return tuple(out)


_lock = threading.Lock()
_analysers: dict[str, Analyser] = {}


def voikko_available() -> bool:
    """Whether Voikko and its Finnish dictionary load on this machine."""
    try:
        VoikkoAnalyser()
    except Exception:  # OSError (no library), ImportError, or no dictionary
        return False
    return True


def get_analyser(name: str | None = None) -> Analyser:
    """The analyser to use: Voikko when it loads, Snowball otherwise.

    ``name`` or the ``KOHTAAMO_ANALYSER`` environment variable ("voikko" or
    "snowball") forces a choice; forcing "voikko" still falls back when it does
    not load. The choice is logged once, so the operator knows which quality of
    understanding the bot runs with.
    """
    wanted = (name or os.environ.get("KOHTAAMO_ANALYSER") or "voikko").strip().lower()
    with _lock:
        if wanted in _analysers:
            return _analysers[wanted]
        analyser: Analyser
        if wanted == "snowball":
            analyser = SnowballAnalyser()
            logger.info("bot analyser: snowball (forced)")
        else:
            try:
                analyser = VoikkoAnalyser()
                logger.info("bot analyser: voikko")
            except Exception as exc:
                analyser = SnowballAnalyser()
                logger.warning("bot analyser: snowball (Voikko did not load: %s)", exc)
        _analysers[wanted] = analyser
        return analyser


def reset_analysers() -> None:
    """Forget the chosen analysers (tests switch back-ends with the env var)."""
    with _lock:
        _analysers.clear()
