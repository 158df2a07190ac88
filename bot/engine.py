"""The bot: from a client's message to an authored answer.

Order of decisions for every message (the caller rejects empty text):

1. Read the message once (``Bot.read``, or ``read_by_signals`` before the
   process has a bot): its language (falling back to the page's language, else
   Finnish) and whether it signals a crisis.
2. Crisis first, on every message: emergency guidance from the ``crisis``
   topic, whatever else the message says.
3. An explicit request for a person (``bot.handoff``): the ``handoff`` topic's answer.
4. Rank the published topics; above ``CONFIDENCE_THRESHOLD`` answer with the
   best one, below it say the bot is not sure, offer the best topics as
   buttons and offer a human.

The bot never invents an answer: every answer text comes from the brain, except
the short "not sure" line, which is a translated UI string.

Building a Bot from brain data is ``bot.brains``; the shared per-process bot
(``get_bot``) is ``bot.cache``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils import translation
from django.utils.translation import gettext as _

from bot.analysis import Analyser, VoikkoAnalyser, get_analyser
from bot.classifier import ANSWER_WEIGHT, CrisisClassifier, Sample, TopicClassifier, answer_sentences, trained
from bot.crisis import CrisisHit, baseform_hits, clean, detect_crisis, signal_hits
from bot.handoff import is_handoff_request
from bot.language import detect_language
from bot.markdown import render_answer
from bot.ranking import Index, Match, Ranking, TopicDoc
from bot.similarity import ExampleNet
from common.languages import supported_language

if TYPE_CHECKING:
    # Moved out of this module; still importable from here (see __getattr__ at the end).
    from bot.brains import STARTER_BRAIN_DIR as STARTER_BRAIN_DIR
    from bot.cache import get_bot as get_bot
    from bot.cache import reset_bot as reset_bot

# The languages the bot speaks are settings.LANGUAGES (common.languages); the
# brain is written in this one first, and its texts stand in for a missing language.
DEFAULT_LANG = "fi"
SPECIAL_TOPICS = ("crisis", "handoff", "smalltalk")

# Confidence is the best topic's mixed score (``Bot.rank``: the classifier's share and the
# BM25 score). Set on the tune halves of evaluation/ and the development set (2026-12-07):
# answered topics stayed at 513/556 from 0.3 to 0.5, while off-topic questions kept from a
# topic went from 33 to 34 of 38 at 0.4 (docs/performance.md, "Issue 10").
CONFIDENCE_THRESHOLD = 0.4
# The classifier's hand-off topic above this mixed score hands over ("voiks tästä puhua jonkun kaa").
HANDOFF_THRESHOLD = 0.5
# Below this BM25 coverage hardly an informative word of the message is in the brain: off-topic.
# 0.1 on the same sets: one more small-talk line answered as such, no topic lost (0.15 lost one).
OFF_TOPIC_COVERAGE = 0.1
MAX_SUGGESTIONS = 3
# The crisis classifier's decision value from which a message is flagged (bot.classifier.CrisisClassifier).
# Set on crisis lines written for the brain and measured before they were added to it (2026-12-07,
# docs/performance.md, "Issue 10"), and on the tune halves of evaluation/. With the other nets, of
# 520 such lines 0.3 caught 450, 0.2 471 and 0.1 483, while the everyday tune lines flagged with the
# final brain were 3, 7 and 11 of 126. When unsure, flag: 0.2 takes 21 more of the unseen crisis
# lines for 4 more everyday ones; 0.1 would take 12 more for 4 more again.
CRISIS_MODEL_THRESHOLD = 0.2
# The classifier reads only messages of at least this many words: alone, a word's letter
# sequences mislead it ("tab-8" met "stab"); one-word cries for help are in the signal lists.
CRISIS_MODEL_MIN_WORDS = 2
# How many BM25 matches the mixed ranking looks at, and the classifier's part in it (bot.classifier).
RANK_DEPTH = 10
CLASSIFIER_WEIGHT = 0.8


@dataclass(frozen=True)
class BrainTopic:
    """The answer side of one topic in one language."""

    slug: str
    lang: str
    title: str
    answer: str
    referrals: list[dict[str, str]] = field(default_factory=list)
    follow_ups: list[str] = field(default_factory=list)
    plain_answer: str = ""
    handoff_desk: str = ""


@dataclass
class BotAnswer:
    topic: str
    confidence: float
    answer: str
    answer_html: str
    lang: str
    suggestions: list[dict[str, str]]
    matched_terms: list[str]
    referrals: list[dict[str, str]]
    crisis: bool
    offer_human: bool = False
    plain_answer: str = ""
    handoff_desk: str = ""


@dataclass(frozen=True)
class Suggestion:
    """A topic offered to a counsellor for the client's latest lines: its answer to insert, and its referrals."""

    slug: str
    title: str
    answer: str
    referrals: list[dict[str, str]]
    score: float


@dataclass(frozen=True)
class MessageReading:
    """What a client's message is, read once: its language and any sign of crisis."""

    lang: str
    crisis: CrisisHit | None


def reading_language(text: str, fallback_lang: str | None = None) -> str:
    """The language of ``text``; ``fallback_lang`` (the page's or the conversation's) when too short to tell.

    A fallback the bot does not speak is the default language (``detect_language``).
    """
    return detect_language(text, fallback_lang)


def classifier_samples(docs: list[TopicDoc], topics: list[BrainTopic]) -> list[Sample]:
    """What the classifier learns from: every topic's examples and title; its answer and referrals, weighted less.

    The crisis topic is left out (the crisis detector reads it); the special
    topics' answers too (they speak of every subject at once).
    """
    referrals = {(t.slug, t.lang): t.referrals for t in topics}
    samples: list[Sample] = []
    for doc in docs:
        if doc.slug == "crisis":
            continue
        samples += [Sample(doc.slug, doc.lang, q) for q in (doc.title, *doc.questions)]
        if doc.slug in SPECIAL_TOPICS:
            continue
        samples += [Sample(doc.slug, doc.lang, s, ANSWER_WEIGHT) for s in answer_sentences(doc.answer)]
        samples += [
            Sample(doc.slug, doc.lang, r.get("name", ""), ANSWER_WEIGHT)
            for r in referrals.get((doc.slug, doc.lang), [])
        ]
    return samples


def read_by_signals(text: str, fallback_lang: str | None = None) -> MessageReading:
    """A reading without a bot: the language and the crisis signal lists and base forms only.

    For a line stored while this process has no bot built yet (its first seconds):
    the line is not kept waiting, and the signal lists still catch what they know.
    """
    lang = reading_language(text, fallback_lang)
    return MessageReading(lang, detect_crisis(text, lang))


def hits_by_signals(text: str) -> list[CrisisHit]:
    """Every sign the signal lists and base forms find in ``text``: what is known before a bot is built."""
    return signal_hits(text) + baseform_hits(text) if text.strip() else []


class Bot:
    """Answers messages from a fixed brain (build a new Bot when the brain changes)."""

    def __init__(
        self, docs: list[TopicDoc], topics: list[BrainTopic], analyser: Analyser | None = None, questions: int = 0
    ) -> None:
        self.analyser = analyser or get_analyser()
        # Special topics are answered by rule, never by ranking.
        self.index = Index([d for d in docs if d.slug not in SPECIAL_TOPICS], self.analyser)
        samples = classifier_samples(docs, topics)
        self.classifier = trained(
            TopicClassifier, samples, self.analyser, lambda: TopicClassifier(samples, self.analyser)
        )
        self.topics: dict[tuple[str, str], BrainTopic] = {(t.slug, t.lang): t for t in topics}
        self.slugs = sorted({t.slug for t in topics})
        self.question_count = questions or sum(len(d.questions) for d in docs)
        # The crisis topic's example questions are the crisis detector's third and fourth nets.
        # Trained only when their examples changed (bot.classifier.trained).
        examples = [Sample(d.slug, d.lang, q) for d in docs for q in d.questions]
        crisis = [s.text for s in examples if s.slug == "crisis"]
        others = [s.text for s in examples if s.slug != "crisis"]
        self.examples = trained(ExampleNet, examples, self.analyser, lambda: ExampleNet(crisis, others))
        self.crisis_model = trained(
            CrisisClassifier, examples, self.analyser, lambda: CrisisClassifier(examples, self.analyser)
        )

    def read(self, text: str, fallback_lang: str | None = None) -> MessageReading:
        """The language of ``text`` (``fallback_lang`` when too short to tell) and its first sign of crisis."""
        lang = reading_language(text, fallback_lang)
        hits = self.crisis_hits(text, lang, first=True)
        return MessageReading(lang, hits[0] if hits else None)

    def crisis_hits(self, text: str, lang: str = DEFAULT_LANG, *, first: bool = False) -> list[CrisisHit]:
        """The signs of acute risk in ``text``: the signal lists, base forms, then the crisis examples.

        With ``first``, stops at the first net that found something (the reading
        of every message); without, all of them (what a counsellor is shown).
        """
        if not text.strip():
            return []
        hits = signal_hits(text)
        if hits and first:
            return hits[:1]
        hits += baseform_hits(text)
        if hits and first:
            return hits[:1]
        nearest = self.examples.nearest_crisis(text)
        if nearest is not None and self.examples.is_crisis(nearest):
            hits.append(CrisisHit("example", f"{nearest.score:.2f}", lang, nearest.example, "example"))
            if first:
                return hits
        words = sum(1 for word in clean(text).split() if any(c.isalpha() for c in word))
        score = self.crisis_model.score(text, lang) if words >= CRISIS_MODEL_MIN_WORDS else None
        if score is not None and score >= CRISIS_MODEL_THRESHOLD:
            example = nearest.example if nearest is not None else ""
            hits.append(CrisisHit("example", f"{score:.2f}", lang, example, "model"))
        return hits[:1] if first else hits

    @property
    def analyser_name(self) -> str:
        return "voikko" if isinstance(self.analyser, VoikkoAnalyser) else "snowball"

    @property
    def languages(self) -> list[str]:
        return sorted({lang for _, lang in self.topics})

    def topic(self, slug: str, lang: str) -> BrainTopic | None:
        return self.topics.get((slug, lang)) or self.topics.get((slug, DEFAULT_LANG))

    def title(self, slug: str, lang: str) -> str:
        t = self.topic(slug, lang)
        return t.title if t is not None else slug

    def _topic_answer(
        self, slug: str, lang: str, confidence: float, matched: list[str], *, crisis: bool = False
    ) -> BotAnswer:
        t = self.topic(slug, lang)
        answer = t.answer if t is not None else ""
        suggestions = [
            {"slug": s, "title": self.title(s, lang)} for s in (t.follow_ups if t else []) if self.topic(s, lang)
        ]
        return BotAnswer(
            topic=slug,
            confidence=confidence,
            answer=answer,
            answer_html=render_answer(answer) if answer else "",
            lang=lang,
            suggestions=suggestions,
            matched_terms=matched,
            referrals=list(t.referrals) if t else [],
            crisis=crisis,
            offer_human=crisis,
            plain_answer=t.plain_answer if t is not None else "",
            handoff_desk=t.handoff_desk if t is not None else "",
        )

    def answer_topic(self, slug: str, lang: str) -> BotAnswer | None:
        """The answer of a topic the client chose from the suggestions (None if unknown)."""
        if slug in SPECIAL_TOPICS or self.topic(slug, lang) is None:
            return None
        return self._topic_answer(slug, supported_language(lang), 1.0, [])

    def crisis_answer(self, lang: str) -> BotAnswer:
        """The emergency guidance (the ``crisis`` topic) in `lang`."""
        return self._topic_answer("crisis", supported_language(lang), 1.0, [], crisis=True)

    def rank(self, text: str, lang: str, limit: int = MAX_SUGGESTIONS) -> Ranking:
        """The topics best matching ``text`` (read in ``lang``), best first, with a confidence.

        The one ranking of the bot: its answers and the counsellor's suggestions
        use it. Each topic's score mixes its BM25 score (as a share of the best
        one) with its share from the classifier (``bot.classifier``); the
        hand-off and small-talk topics take part through the classifier only.
        ``confidence`` is the best topic's mixed score: high when both agree.
        """
        search_lang = lang if self.index.size(lang) else DEFAULT_LANG
        ranking = self.index.search(text, search_lang, RANK_DEPTH)
        shares = self.classifier.shares(text, lang)
        if not shares:
            return Ranking(
                ranking.matches[:limit], ranking.confidence, ranking.terms, ranking.unmatched_terms, ranking.confidence
            )
        top = ranking.matches[0].score if ranking.matches else 0.0
        bm25 = {m.slug: m.score / top for m in ranking.matches} if top > 0 else {}
        matched = {m.slug: m.matched_terms for m in ranking.matches}
        mixed = {
            slug: CLASSIFIER_WEIGHT * shares.get(slug, 0.0) + (1 - CLASSIFIER_WEIGHT) * bm25.get(slug, 0.0)
            for slug in set(shares) | set(bm25)
        }
        ordered = sorted(mixed.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        matches = [Match(slug, round(score, 4), matched.get(slug, [])) for slug, score in ordered]
        confidence = round(ordered[0][1], 4) if ordered else 0.0
        return Ranking(matches, confidence, ranking.terms, ranking.unmatched_terms, ranking.confidence)

    def suggest(
        self, text: str, lang: str | None = None, limit: int = MAX_SUGGESTIONS
    ) -> tuple[list[Suggestion], list[CrisisHit]]:
        """For a counsellor: the topics best matching the client's latest lines, and every crisis sign in them.

        The same engine as the bot's answers; the counsellor decides what is sent.
        Topics below the bot's own confidence threshold are offered too (a
        counsellor reads them), but only those that matched something.
        """
        reading_lang = reading_language(text, lang)
        ranking = self.rank(text, reading_lang, limit + len(SPECIAL_TOPICS))
        suggestions = []
        for match in [m for m in ranking.matches if m.slug not in SPECIAL_TOPICS][:limit]:
            topic = self.topic(match.slug, reading_lang)
            if topic is not None:
                suggestions.append(
                    Suggestion(topic.slug, topic.title, topic.answer, list(topic.referrals), round(match.score, 3))
                )
        return suggestions, self.crisis_hits(text, reading_lang)

    def answer(self, text: str, lang: str | None = None, *, reading: MessageReading | None = None) -> BotAnswer:
        """Answer one client message (non-empty; the caller validates).

        ``lang`` is the page's language, a fallback for short messages. A
        ``reading`` of the message made by the caller (``Bot.read``) is
        used as it is: language and crisis are not computed again.
        """
        if reading is None:
            reading = self.read(text, lang)
        detected = reading.lang
        if reading.crisis is not None:
            return self._topic_answer("crisis", detected, 1.0, [], crisis=True)
        if is_handoff_request(text):
            return self._topic_answer("handoff", detected, 1.0, [])
        ranking = self.rank(text, detected, MAX_SUGGESTIONS + len(SPECIAL_TOPICS))
        best = ranking.matches[0] if ranking.matches else None
        if best is not None and best.slug == "handoff" and ranking.confidence >= HANDOFF_THRESHOLD:
            return self._topic_answer("handoff", detected, ranking.confidence, [])
        if best is None or not self.classifier.knows(text, detected):
            pass  # not a word the brain uses ("qwerty blorp"): not sure, and the question is kept for editors
        elif best.slug == "smalltalk" or ranking.coverage < OFF_TOPIC_COVERAGE:
            # Chit-chat, or a question off the service's subjects: say what the bot can help with.
            if self.topic("smalltalk", detected) is not None:
                return self._topic_answer("smalltalk", detected, ranking.confidence, [])
        elif best.slug not in SPECIAL_TOPICS and ranking.confidence >= CONFIDENCE_THRESHOLD:
            return self._topic_answer(best.slug, detected, ranking.confidence, best.matched_terms)
        ranking = Ranking(
            [m for m in ranking.matches if m.slug not in SPECIAL_TOPICS][:MAX_SUGGESTIONS], ranking.confidence
        )
        with translation.override(detected):
            not_sure = _(
                "I'm not sure I understood. Did you mean one of these topics? "
                "You can also talk to a person: just say so."
            )
        return BotAnswer(
            topic="unknown",
            confidence=ranking.confidence,
            answer=not_sure,
            answer_html=render_answer(not_sure),
            lang=detected,
            suggestions=[{"slug": m.slug, "title": self.title(m.slug, detected)} for m in ranking.matches],
            matched_terms=ranking.matches[0].matched_terms if ranking.matches else [],
            referrals=[],
            crisis=False,
            offer_human=True,
        )
