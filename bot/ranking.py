"""Ranking brain topics against a client's message with BM25.

Each topic in each language is one document. Its example questions are how
clients actually ask, so their terms weigh most; the title names the subject;
the answer text is long and covers neighbouring subjects, so its terms count
only a little (enough to catch a question nobody wrote down yet, not enough to
beat an example question). Weighted term frequencies go through BM25's
saturation (k1, b), which keeps a word repeated in ten example questions from
drowning everything else.

Scores are not comparable between queries, so ``confidence`` maps the result
to 0..1 from how much of the query the best topic explains (IDF-weighted
coverage) and how clearly it beats the runner-up; callers threshold it.

An analyser without morphology (Snowball) is bound to the vocabulary of the
Finnish topics when the index is built (``with_vocabulary``), so that it can
split compounds into parts the brain uses. For a query word the index does not
know, such an analyser also offers near matches (``near``: a typo of a brain
word, the stem in another consonant grade or form), which count at a discount.
Query terms that still match nothing in the language's vocabulary (typos the
analyser did not fix, odd compounds) are matched to the most similar
vocabulary term by character trigrams, at a larger discount.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from bot.analysis import WEAK_WORDS_FI, Analyser, tokens

K1 = 1.2
B = 0.75

# Field weights for term frequency.
W_QUESTION = 1.0
W_TITLE = 1.5
W_ANSWER = 0.25

# A near match the analyser offers for a word the index does not know (a typo
# of a brain word, another consonant grade or form of a known stem; Snowball
# only) counts this much of an exact one.
NEAR_WEIGHT = 0.8

# A fuzzy (trigram) match counts this much of an exact one.
FUZZY_WEIGHT = 0.6
FUZZY_MIN_SIMILARITY = 0.45
FUZZY_MIN_LEN = 5

# How much a word's terms beyond its best-matching one add to a topic's score.
EXTRA_TERM_WEIGHT = 0.4

# How much a word counts as covered when only one of its compound parts or
# secondary readings matched, not its first base form.
PART_ONLY_FACTOR = 0.6

# How much an everyday word (``WEAK_WORDS_FI``) counts for confidence.
WEAK_WEIGHT = 0.25
# The most confidence a topic gets when it matched only everyday words.
WEAK_ONLY_CONFIDENCE = 0.1


@dataclass(frozen=True)
class TopicDoc:
    """One topic in one language, as the index sees it."""

    slug: str
    lang: str
    title: str
    questions: list[str]
    answer: str


@dataclass(frozen=True)
class Match:
    """A ranked topic; ``matched_terms`` tells editors why it was chosen."""

    slug: str
    score: float
    matched_terms: list[str]


@dataclass
class Ranking:
    """The ranked matches for one query with the calibrated confidence."""

    matches: list[Match]
    confidence: float
    terms: list[str] = field(default_factory=list)
    unmatched_terms: list[str] = field(default_factory=list)
    # BM25's own confidence (how much of the message the best topic's words explain), when
    # ``confidence`` is the mixed one of ``bot.engine.Bot.rank``: low for off-topic text.
    coverage: float = 0.0


def _trigrams(term: str) -> set[str]:
    padded = f"^{term}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class _LangIndex:
    """BM25 postings of the documents of one language."""

    def __init__(self, docs: list[tuple[str, dict[str, float]]]) -> None:
        self.slugs = [slug for slug, _ in docs]
        n = len(docs)
        lengths = [sum(tf.values()) for _, tf in docs]
        avgdl = (sum(lengths) / n) if n else 1.0
        df: Counter[str] = Counter()
        for _, tf in docs:
            df.update(tf.keys())
        self.idf: dict[str, float] = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        # A term no document has: as informative as the rarest one.
        self.unseen_idf = math.log(1 + (n - 1 + 0.5) / 1.5) if n else 1.0
        # Precomputed contributions: term -> [(doc number, BM25 weight)].
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, (_, tf) in enumerate(docs):
            norm = K1 * (1 - B + B * (lengths[i] / avgdl if avgdl else 1.0))
            for term, f in tf.items():
                self.postings[term].append((i, self.idf[term] * f * (K1 + 1) / (f + norm)))
        self.grams: dict[str, set[str]] = defaultdict(set)
        for term in self.idf:
            if len(term) >= FUZZY_MIN_LEN and not term.isdigit():
                for g in _trigrams(term):
                    self.grams[g].add(term)
        self._fuzzy_cache: dict[str, str | None] = {}

    def fuzzy(self, term: str) -> str | None:
        """The vocabulary term most similar to ``term`` by trigram Dice, if any is close."""
        if term in self._fuzzy_cache:
            return self._fuzzy_cache[term]
        best: str | None = None
        if len(term) >= FUZZY_MIN_LEN and not term.isdigit():
            grams = _trigrams(term)
            counts: Counter[str] = Counter()
            for g in grams:
                counts.update(self.grams.get(g, ()))
            best_sim = FUZZY_MIN_SIMILARITY
            for cand, shared in counts.items():
                sim = 2 * shared / (len(grams) + len(_trigrams(cand)))
                if sim > best_sim or (sim == best_sim and best is not None and cand < best):
                    best, best_sim = cand, sim
        if len(self._fuzzy_cache) < 50_000:
            self._fuzzy_cache[term] = best
        return best


class Index:
    """A BM25 index over brain topics, one sub-index per language."""

    def __init__(self, docs: list[TopicDoc], analyser: Analyser) -> None:
        # An analyser without morphology (Snowball) learns the brain's Finnish
        # words, to split compounds and find near matches with them.
        bind = getattr(analyser, "with_vocabulary", None)
        if callable(bind):
            texts = [t for d in docs if d.lang == "fi" for t in (d.title, d.answer, *d.questions)]
            analyser = bind(texts)
        self.analyser = analyser
        by_lang: dict[str, list[tuple[str, dict[str, float]]]] = defaultdict(list)
        for doc in docs:
            by_lang[doc.lang].append((doc.slug, self._doc_terms(doc)))
        self._langs = {lang: _LangIndex(items) for lang, items in by_lang.items()}
        self._weak = {"fi": frozenset(analyser.terms(" ".join(WEAK_WORDS_FI), "fi"))}

    def _doc_terms(self, doc: TopicDoc) -> dict[str, float]:
        tf: dict[str, float] = defaultdict(float)
        terms = self.analyser.terms
        for q in doc.questions:
            for t in terms(q, doc.lang):
                tf[t] += W_QUESTION
        for t in terms(doc.title, doc.lang):
            tf[t] += W_TITLE
        for t in terms(doc.answer, doc.lang):
            tf[t] += W_ANSWER
        return tf

    @property
    def languages(self) -> list[str]:
        return sorted(self._langs)

    def size(self, lang: str | None = None) -> int:
        """Number of documents, in one language or all."""
        if lang is not None:
            return len(self._langs[lang].slugs) if lang in self._langs else 0
        return sum(len(li.slugs) for li in self._langs.values())

    def rank(self, text: str, lang: str, limit: int = 3) -> list[Match]:
        """The best ``limit`` topics for ``text`` in ``lang``, best first."""
        return self.search(text, lang, limit).matches

    def confidence(self, text: str, lang: str) -> float:
        """Calibrated confidence of the best topic for ``text`` (0..1)."""
        return self.search(text, lang, 2).confidence

    def search(self, text: str, lang: str, limit: int = 3) -> Ranking:
        """Rank topics and compute confidence in one pass.

        Terms are grouped by the word they come from: all readings and compound
        parts of a word score, but for confidence a word counts once (covered
        when any of its terms matched), so an ambiguous word with three
        readings does not look like three matched words. The trigram fallback
        is only tried for a word none of whose terms the index knows.
        """
        li = self._langs.get(lang)
        groups: list[tuple[str, ...]] = []
        words: list[str] = []
        seen: set[str] = set()
        for tok in tokens(text):
            group = tuple(t for t in self.analyser.terms(tok, lang) if t not in seen)
            if group:
                seen.update(group)
                groups.append(group)
                words.append(tok)
        terms = [t for g in groups for t in g]
        if li is None or not terms:
            return Ranking([], 0.0, terms, list(terms))
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, list[str]] = defaultdict(list)
        # Per word: [(label, idf, factor)] of its terms that hit the index.
        word_hits: list[list[tuple[str, float, float]]] = []
        unmatched: list[str] = []
        # Per word: the labels that stand for the word itself, not a part of it.
        whole_labels: list[set[str]] = []
        near_fn = getattr(self.analyser, "near", None)
        for tok, group in zip(words, groups, strict=True):
            hits: list[tuple[str, list[tuple[int, float]], float, str]] = []
            for term in group:
                postings = li.postings.get(term)
                if postings is not None:
                    hits.append((term, postings, 1.0, term))
            # The word itself is unknown (only a compound part or a synonym
            # may have matched): what known word did the client mean?
            whole = {group[0]}
            if near_fn is not None and group[0] not in li.postings:
                for near in near_fn(tok, lang):
                    if near in li.postings and near not in group:
                        label = f"{group[0]}~{near}"
                        hits.append((label, li.postings[near], NEAR_WEIGHT, near))
                        whole.add(label)
            if not hits:
                for term in group:
                    near = li.fuzzy(term)
                    if near is not None:
                        hits.append((f"{term}~{near}", li.postings[near], FUZZY_WEIGHT, near))
                        break
            if not hits:
                unmatched.extend(group)
            word_hits.append([(label, li.idf[base], factor) for label, _, factor, base in hits])
            whole_labels.append(whole)
            # A word's best term counts fully, its other readings, compound
            # parts and synonyms only partly: one word with five terms must not
            # outweigh five words.
            per_doc: dict[int, list[float]] = defaultdict(list)
            for label, postings, factor, _ in hits:
                for doc, w in postings:
                    per_doc[doc].append(w * factor)
                    matched[doc].append(label)
            for doc, ws in per_doc.items():
                best = max(ws)
                scores[doc] += best + EXTRA_TERM_WEIGHT * (sum(ws) - best)
        if not scores:
            return Ranking([], 0.0, terms, unmatched)
        ordered = sorted(scores.items(), key=lambda kv: (-kv[1], li.slugs[kv[0]]))
        matches = [Match(li.slugs[d], round(s, 4), matched[d]) for d, s in ordered[:limit]]
        top_doc, top = ordered[0]
        second = ordered[1][1] if len(ordered) > 1 else 0.0
        top_terms = set(matched[top_doc])
        total = covered = 0.0
        informative = False  # the top topic matched a word that is not an everyday one
        weak = self._weak.get(lang, frozenset())
        for group, word, whole in zip(groups, word_hits, whole_labels, strict=True):
            if all(t[0].isdigit() for t in group):
                continue  # "600", "14v", "2022": neither covered nor missing
            if not word:
                total += li.unseen_idf
                continue
            weight = max(idf for _, idf, _ in word)
            is_weak = any(t in weak for t in group)
            if is_weak:
                weight *= WEAK_WEIGHT
            total += weight
            in_top = [factor for label, _, factor in word if label in top_terms]
            if in_top:
                # Only a part or a secondary reading matched ("jää" of
                # "jääkiekko"): weaker evidence than the word itself.
                part = 1.0 if whole & top_terms else PART_ONLY_FACTOR
                covered += weight * max(in_top) * part
                informative = informative or not is_weak
        coverage = covered / total if total else 0.0
        margin = (top - second) / top if top > 0 else 0.0
        confidence = max(0.0, min(1.0, coverage * (0.55 + 0.45 * margin)))
        if not informative:
            confidence = min(confidence, WEAK_ONLY_CONFIDENCE)
        return Ranking(matches, round(confidence, 4), terms, unmatched)
