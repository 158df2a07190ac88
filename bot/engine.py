"""The bot: from a client's message to an authored answer.

Order of decisions for every message (the caller rejects empty text):

1. Detect the language (falling back to the page's language, else Finnish).
2. Crisis check first, on every message: emergency guidance from the ``crisis``
   topic, whatever else the message says.
3. An explicit request for a person: the ``handoff`` topic's answer.
4. Rank the published topics; above ``CONFIDENCE_THRESHOLD`` answer with the
   best one, below it say the bot is not sure, offer the best topics as
   buttons and offer a human.

The bot never invents an answer: every answer text comes from the brain, except
the short "not sure" line, which is a translated UI string.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import DatabaseError
from django.db.models.signals import post_delete, post_save
from django.utils import translation
from django.utils.translation import gettext as _

from bot.analysis import Analyser, VoikkoAnalyser, get_analyser
from bot.crisis import detect_crisis, fold
from bot.language import detect_language
from bot.ranking import Index, TopicDoc

logger = logging.getLogger(__name__)

LANGS = ("fi", "sv", "en")
DEFAULT_LANG = "fi"
SPECIAL_TOPICS = ("crisis", "handoff")
STARTER_BRAIN_DIR = Path(__file__).resolve().parent / "brain"

# Confidence is IDF-weighted coverage of the message by the best topic, scaled
# by its margin over the runner-up (bot.ranking). A clear question whose words
# the best topic mostly explains scores 0.4-1.0; off-topic text whose words the
# brain barely knows, or that matched only everyday words (capped at 0.1),
# scores below ~0.2. On the development set (Voikko) the answerable questions
# whose best topic was right scored 0.20-1.0 (median 0.58) and the off-topic
# ones 0.10-0.17, so the threshold sits at the lower edge of the first group.
CONFIDENCE_THRESHOLD = 0.2
MAX_SUGGESTIONS = 3

# Explicit requests for a person, on folded text (lowercase, ä->a, ö->o).
_WANT_FI = r"(?:halu\w*|tahdo\w*|tahon|voi\w*|saa\w*|paase\w*|pääse\w*|pitais|pitaa|yhdista|siirra|ohjaa)"
_TALK_FI = r"(?:puhu\w*|jutel\w*|juttel\w*|keskustel\w*|chat\w*|kirjoit\w*)"
_PERSON_FI = (
    r"(?:ihmi\w*|tyontekija\w*|nuorisotyontekija\w*|ohjaaja\w*|nuoriso-ohjaaja\w*|aikuise\w*|oikea\w*|oikee\w*"
    r"|opo\w*|opinto-ohjaaja\w*)"
)
_HANDOFF_PATTERNS = [
    re.compile(p)
    for p in (
        # fi: "haluun puhua ihmisen kanssa", "voinko jutella työntekijän kaa"
        rf"\b{_WANT_FI}\s(?:\w+ ){{0,3}}{_TALK_FI}\s(?:\w+ ){{0,3}}{_PERSON_FI}",
        # fi: "siirrä mut työntekijälle", "yhdistä ohjaajaan", "haluun ihmisen"
        rf"\b(?:yhdista|siirra|ohjaa)\s(?:\w+ ){{0,2}}{_PERSON_FI}",
        r"\b(?:halu\w*|tahdo\w*|tahon)\s(?:\w+ ){0,2}(?:ihmisen|ihmiselle|tyontekijan|tyontekijalle|ohjaajan)\b",
        r"\boikee\w* ihmi\w*|\boikea\w* ihmi\w*|\bihminen (?:linjoille|tanne)\b",
        r"\b(?:en halua|en haluu|ei huvita)\s(?:\w+ ){0,2}(?:botin|botille|robotin|koneen)\b",
        # sv
        r"\b(?:prata|chatta|tala|snacka)\s(?:\w+ ){0,2}(?:en manniska|en person|nagon riktig|en riktig|en handledare"
        r"|en vuxen)",
        r"\bkoppla (?:mig|mej) (?:till|vidare)\b|\b(?:en|med) riktig (?:person|manniska)\b",
        # en
        r"\b(?:talk|speak|chat)\s(?:\w+ ){0,2}(?:a person|a human|a real|someone real|a real person|a counsell?or"
        r"|a youth worker|a worker|an adult|somebody real|a live)",
        r"\b(?:real|actual|live) (?:person|human)\b|\bconnect me\b|\bhuman please\b",
    )
]


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


def render_markdown(text: str) -> str:
    """Safe HTML for an answer (bot.markdown when present, else escaped text)."""
    try:
        from bot.markdown import render_answer
    except ImportError:  # pragma: no cover - bot.markdown is part of the tree
        from django.utils.html import escape, linebreaks

        return linebreaks(escape(text))
    return render_answer(text)


def is_handoff_request(text: str) -> bool:
    folded = fold(text[:2000])
    return any(p.search(folded) for p in _HANDOFF_PATTERNS)


class Bot:
    """Answers messages from a fixed brain (build a new Bot when the brain changes)."""

    def __init__(
        self, docs: list[TopicDoc], topics: list[BrainTopic], analyser: Analyser | None = None, questions: int = 0
    ) -> None:
        self.analyser = analyser or get_analyser()
        # Special topics are answered by rule, never by ranking.
        self.index = Index([d for d in docs if d.slug not in SPECIAL_TOPICS], self.analyser)
        self.topics: dict[tuple[str, str], BrainTopic] = {(t.slug, t.lang): t for t in topics}
        self.slugs = sorted({t.slug for t in topics})
        self.question_count = questions or sum(len(d.questions) for d in docs)

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
            answer_html=render_markdown(answer) if answer else "",
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
        return self._topic_answer(slug, lang if lang in LANGS else DEFAULT_LANG, 1.0, [])

    def crisis_answer(self, lang: str) -> BotAnswer:
        """The emergency guidance (the ``crisis`` topic) in `lang`."""
        return self._topic_answer("crisis", lang if lang in LANGS else DEFAULT_LANG, 1.0, [], crisis=True)

    def answer(self, text: str, lang: str | None = None) -> BotAnswer:
        """Answer one client message (non-empty; the caller validates)."""
        fallback = lang if lang in LANGS else DEFAULT_LANG
        detected = detect_language(text, fallback)
        if detect_crisis(text, detected) is not None:
            return self._topic_answer("crisis", detected, 1.0, [], crisis=True)
        if is_handoff_request(text):
            return self._topic_answer("handoff", detected, 1.0, [])
        search_lang = detected if self.index.size(detected) else DEFAULT_LANG
        ranking = self.index.search(text, search_lang, MAX_SUGGESTIONS)
        if ranking.matches and ranking.confidence >= CONFIDENCE_THRESHOLD:
            best = ranking.matches[0]
            return self._topic_answer(best.slug, detected, ranking.confidence, best.matched_terms)
        with translation.override(detected):
            not_sure = _(
                "I'm not sure I understood. Did you mean one of these topics? "
                "You can also talk to a person: just say so."
            )
        return BotAnswer(
            topic="unknown",
            confidence=ranking.confidence,
            answer=not_sure,
            answer_html=render_markdown(not_sure),
            lang=detected,
            suggestions=[{"slug": m.slug, "title": self.title(m.slug, detected)} for m in ranking.matches],
            matched_terms=ranking.matches[0].matched_terms if ranking.matches else [],
            referrals=[],
            crisis=False,
            offer_human=True,
        )


def build_bot(data: list[dict[str, Any]], analyser: Analyser | None = None) -> Bot:
    """A Bot from topics in the brain-file form (docs/brain-format.md), published only."""
    docs: list[TopicDoc] = []
    topics: list[BrainTopic] = []
    for item in data:
        if item.get("status", "published") != "published":
            continue
        slug = str(item["slug"])
        handoff_desk = str(item.get("handoff_desk") or "")
        follow_ups = [str(s) for s in item.get("follow_ups") or []]
        for lang, entry in (item.get("languages") or {}).items():
            if lang not in LANGS or not isinstance(entry, dict):
                continue
            title = str(entry.get("title") or slug)
            answer = str(entry.get("answer") or "")
            questions = [str(q) for q in entry.get("questions") or []]
            referrals = [
                {k: str(v) for k, v in r.items() if v not in (None, "")}
                for r in entry.get("referrals") or []
                if isinstance(r, dict)
            ]
            docs.append(TopicDoc(slug, lang, title, questions, answer))
            plain = str(entry.get("plain_answer") or "")
            topics.append(BrainTopic(slug, lang, title, answer, referrals, follow_ups, plain, handoff_desk))
    return Bot(docs, topics, analyser)


def load_brain_dir(path: str | Path, analyser: Analyser | None = None) -> Bot:
    """A Bot from the YAML files in ``path`` (no database; for tests and evaluation)."""
    data = []
    for file in sorted(Path(path).glob("*.yaml")):
        item = yaml.safe_load(file.read_text(encoding="utf-8"))
        if isinstance(item, dict) and "slug" in item:
            data.append(item)
    return build_bot(data, analyser)


def brain_db_data() -> list[dict[str, Any]]:
    """Published topics from the database in the brain-file form (empty if none)."""
    from bot.models import Topic, TopicStatus

    data: list[dict[str, Any]] = []
    topics = (
        Topic.objects.filter(status=TopicStatus.PUBLISHED)
        .select_related("handoff_desk")
        .prefetch_related("follow_ups", "texts", "questions", "referrals")
    )
    for topic in topics:
        languages: dict[str, Any] = {}
        for text in topic.texts.all():
            languages[text.language] = {
                "title": text.title,
                "answer": text.answer,
                "plain_answer": text.plain_answer,
                "questions": [q.text for q in topic.questions.all() if q.language == text.language],
                "referrals": [
                    {"name": r.name, "url": r.url, "phone": r.phone, "hours": r.hours}
                    for r in topic.referrals.all()
                    if r.language == text.language
                ],
            }
        data.append(
            {
                "slug": topic.slug,
                "status": "published",
                "handoff_desk": topic.handoff_desk.slug if topic.handoff_desk else "",
                "follow_ups": sorted(t.slug for t in topic.follow_ups.all() if t.is_published),
                "languages": languages,
            }
        )
    return data


def load_brain_db(analyser: Analyser | None = None) -> Bot:
    """A Bot from the published topics in the database."""
    return build_bot(brain_db_data(), analyser)


# --- The shared default bot --------------------------------------------------------
#
# One Bot per process, rebuilt when the brain changes. Two version numbers say when:
# `_brain_version` is bumped in this process by brain_changed, so an edit made here is
# answered at once; BrainState.version in the database is bumped by brain_changed in
# the same transaction as the edit, and every process compares it with the version its
# bot was built from, at most every settings.BOT_RELOAD_CHECK_SECONDS (one one-row query),
# so an edit saved in another process (or by `manage.py brain import`) arrives too.

_lock = threading.Lock()
_bot: Bot | None = None
_bot_version = -1  # the value of _brain_version the bot was built at
_bot_db_version: int | None = None  # BrainState.version the bot was built from (None: unknown)
_brain_version = 0
_db_checked_at = float("-inf")  # time.monotonic() of the last look at BrainState


def _bump_local_version() -> None:
    global _brain_version
    with _lock:
        _brain_version += 1


def _bump_db_version() -> None:
    """BrainState.version + 1 (creating the row), inside the caller's transaction.

    In a savepoint, so that a failure (no table before migrate) cannot break the
    caller's transaction; a failure is logged, never raised, because a brain edit
    must not fail for the sake of other processes' caches.
    """
    from django.db import DatabaseError, IntegrityError, transaction
    from django.db.models import F

    from bot.models import BrainState

    for _attempt in range(2):
        try:
            with transaction.atomic():
                if not BrainState.objects.filter(pk=1).update(version=F("version") + 1):
                    BrainState.objects.create(pk=1, version=1)
            return
        except IntegrityError:
            continue  # Another process created the row just now: bump that one.
        except DatabaseError:
            logger.warning("bot: could not record the brain version (not migrated yet?)", exc_info=True)
            return


def _db_version() -> int | None:
    """BrainState.version (0 when the row does not exist yet); None when it cannot be read."""
    from django.db import DatabaseError, connection, transaction

    from bot.models import BrainState

    def read() -> int:
        return BrainState.objects.filter(pk=1).values_list("version", flat=True).first() or 0

    try:
        if connection.in_atomic_block:
            # A savepoint, so that a failing read does not break the caller's transaction.
            with transaction.atomic():
                return read()
        # Outside a transaction a plain read: atomic() would begin a writing
        # (IMMEDIATE) transaction on SQLite just to read one row.
        return read()
    except DatabaseError:
        return None


def brain_changed(*args: Any, **kwargs: Any) -> None:
    """Call after the brain in the database changes; the next get_bot() of every process rebuilds.

    Connected to saves and deletes of the brain's models below, so edits in the
    admin, the editor or an import take effect at once in this process and
    within BOT_RELOAD_CHECK_SECONDS in the others (through BrainState). The
    local version goes up now and again after the commit: a bot built by
    another thread between the two (from the not yet committed data) is
    rebuilt once more.
    """
    from django.db import transaction

    _bump_db_version()
    _bump_local_version()
    transaction.on_commit(_bump_local_version)


for _model in ("bot.Topic", "bot.TopicText", "bot.ExampleQuestion", "bot.Referral"):
    post_save.connect(brain_changed, sender=_model, dispatch_uid=f"bot-brain-changed-save-{_model}")
    post_delete.connect(brain_changed, sender=_model, dispatch_uid=f"bot-brain-changed-delete-{_model}")


def reset_bot() -> None:
    """Forget the cached bot (tests)."""
    global _bot, _bot_db_version, _db_checked_at
    with _lock:
        _bot, _bot_db_version, _db_checked_at = None, None, float("-inf")


def get_bot() -> Bot:
    """The default bot: published topics in the database, else the starter brain.

    Cheap on the hot path: without a local change it returns the cached bot and
    looks at BrainState at most once per BOT_RELOAD_CHECK_SECONDS (one thread
    does the look, the others keep answering with the cached bot meanwhile).
    """
    import time

    from django.conf import settings

    global _bot, _bot_version, _bot_db_version, _db_checked_at
    interval = float(getattr(settings, "BOT_RELOAD_CHECK_SECONDS", 5))
    with _lock:
        bot, built_at, built_from, version = _bot, _bot_version, _bot_db_version, _brain_version
        now = time.monotonic()
        fresh = bot is not None and built_at == version
        if bot is not None and fresh and now - _db_checked_at < interval:
            return bot
        _db_checked_at = now
    # Read before the brain: a change committed in between is then seen at the next check.
    db_version = _db_version()
    if bot is not None and fresh and (db_version is None or db_version == built_from):
        # Unchanged, or BrainState unreadable for a moment: keep the bot we have.
        return bot
    if bot is not None and getattr(settings, "BOT_REBUILD_IN_BACKGROUND", True):
        # Building takes a second or more, and the thread that asks is the one that
        # serves every database call of this process: keep answering with the bot
        # we have while a new one is built beside it.
        _start_background_build(version, db_version)
        return bot
    return _build(version, db_version)


_building = False


def _build(version: int, db_version: int | None) -> Bot:
    global _bot, _bot_version, _bot_db_version
    try:
        data = brain_db_data()
    except (ImportError, RuntimeError, DatabaseError):
        # The bot app or its tables are not there yet (before migrate): the starter brain still answers.
        logger.warning("bot: brain tables unavailable, answering from the starter brain", exc_info=True)
        data = []
    bot = build_bot(data) if data else load_brain_dir(STARTER_BRAIN_DIR)
    with _lock:
        # Never replace a bot built from a newer brain with an older one.
        if _bot is None or version >= _bot_version:
            _bot, _bot_version, _bot_db_version = bot, version, db_version
    return bot


def _start_background_build(version: int, db_version: int | None) -> None:
    global _building
    with _lock:
        if _building:
            return
        _building = True

    def run() -> None:
        global _building, _db_checked_at
        from django.db import close_old_connections

        try:
            _build(version, db_version)
        except Exception:
            logger.exception("bot: rebuilding the brain failed; answering with the previous one")
        finally:
            close_old_connections()
            with _lock:
                _building = False
                _db_checked_at = float("-inf")  # look again at once: more edits may have come

    threading.Thread(target=run, name="bot-rebuild", daemon=True).start()
