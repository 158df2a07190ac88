"""A topic classifier learnt from the brain itself, beside the BM25 ranking.

BM25 (``bot.ranking``) finds the topic whose words a message shares; it misses
a question that says the same thing in other words, and it cannot weigh which
words tell two neighbouring topics apart ("my son" against "I"). A linear model
trained on the brain's own example questions does both: it learns, for every
topic, which words and letter sequences speak for it and which against it.

It is trained when a bot is built: at start-up and after each brain edit
(``bot.cache``), in well under the time a rebuild already takes. Its inputs:

- the example questions and titles (weight 1), and the sentences of the
  answers and the names of the referrals at a lower weight, so that a question
  about a service the answer names ("mikä on nollalinja") reaches its topic;
- per text, the analyser's terms (Voikko base forms, compound parts and the
  spoken-form and synonym lexicon of ``bot/data``; Snowball stems otherwise)
  and letter sequences of 2 to 5 letters of the folded text, which carry
  inflections, compounds and typos the analyser did not resolve.

A ``LinearSVC`` is fast to train and to apply (a sparse dot product per
message); its decision values are turned into shares of 1 with a softmax, so
that they can be mixed with the BM25 scores (``bot.engine.Bot.rank``).
Nothing here ever reads an evaluation set.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import joblib
import numpy as np
import sklearn
from django.conf import settings
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from bot.analysis import Analyser
from bot.signals import fold
from bot.vectors import OneText, Vector, decision, joined

logger = logging.getLogger(__name__)

# Weight of an answer's sentence or a referral's name against an example question.
ANSWER_WEIGHT = 0.3
# LinearSVC's regularisation, and how sharply decision values become shares (softmax).
C = 1.0
TEMPERATURE = 10.0

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_MARKUP = re.compile(r"https?://\S+|[*#>\[\]()_`|]")


_T = TypeVar("_T")
_trained: OrderedDict[tuple[object, ...], object] = OrderedDict()
_trained_lock = threading.Lock()
TRAINED_KEPT = 4
# Part of a kept model's name: raise it when a model class's stored attributes change, so that
# models pickled by the old code are trained anew rather than loaded without what the new code reads.
MODEL_FORMAT = 5


def trained(kind: type[_T], samples: Iterable[Sample], analyser: Analyser, train: Callable[[], _T]) -> _T:
    """A model trained on exactly these samples with this analyser, trained again only when they change.

    Why: a bot is rebuilt whenever the brain's version moves (an edit, an
    import, another process's edit), every process builds its own, and every
    test database seeds the same starter brain. Training takes seconds of the
    interpreter's lock, in which a server process answers nothing; looking up
    a few thousand samples takes milliseconds. So the last ``TRAINED_KEPT``
    models are kept in memory, and every model on disk in
    ``settings.BOT_MODEL_DIR`` (private, like all of ``var/``), named by a
    digest of what it was trained on: the next process loads it in a fraction
    of a second.
    """
    # In any order: the database lists a brain's examples in another order than its files.
    rows = tuple(sorted((s.slug, s.lang, s.text, s.weight) for s in samples))
    key = (kind, analyser.name, rows)
    with _trained_lock:
        if key in _trained:
            _trained.move_to_end(key)
            return _trained[key]  # type: ignore[return-value]
    digest = hashlib.sha256(
        repr((kind.__name__, MODEL_FORMAT, analyser.name, sklearn.__version__, rows)).encode()
    ).hexdigest()
    path = Path(settings.BOT_MODEL_DIR) / f"{kind.__name__.lower()}-{digest[:32]}.joblib"
    model: _T | None = None
    try:
        loaded = joblib.load(path)
        if isinstance(loaded, kind):
            model = loaded
            os.utime(path)  # in use: the newest are the ones kept
    except Exception:  # missing, from another version, or cut short: train anew
        model = None
    if model is None:
        model = train()
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            part = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
            joblib.dump(model, part)
            part.chmod(0o600)
            os.replace(part, path)
            # Every brain edit trains anew: keep the newest few of each kind, not every version ever.
            kept = sorted(path.parent.glob(f"{kind.__name__.lower()}-*.joblib"), key=lambda p: -p.stat().st_mtime)
            for old in kept[TRAINED_KEPT:]:
                old.unlink(missing_ok=True)
        except Exception:  # a full disk or a read-only var/ costs only the next process's training
            logger.warning("bot: the trained model could not be kept in %s", path.parent, exc_info=True)
    if isinstance(model, Features | TopicClassifier | CrisisClassifier):
        model.rebind(analyser)
    with _trained_lock:
        _trained[key] = model
        while len(_trained) > TRAINED_KEPT:
            _trained.popitem(last=False)
    return model


@dataclass(frozen=True)
class Sample:
    """One text the classifier learns from: its topic, language and weight."""

    slug: str
    lang: str
    text: str
    weight: float = 1.0


def answer_sentences(answer: str) -> list[str]:
    """The sentences of a Markdown answer, without links and markup (short fragments dropped)."""
    out = []
    for sentence in _SENTENCE_END.split(answer):
        clean = _MARKUP.sub(" ", sentence).strip(" -–")
        if len(clean) > 15:
            out.append(" ".join(clean.split()))
    return out


class Features:
    """The classifiers' inputs: the analyser's terms and letter sequences (2-5) of the folded text, TF-IDF weighted.

    With ``pairs``, also pairs of neighbouring terms and letter sequences (1-6)
    across word boundaries: what the crisis classifier reads. "ottaa kaikki"
    next to "pillerit" says more than either word, and a sequence such as
    "n katolle" carries a place's word with its ending. Measured out of fold on
    the brain's own examples (docs/performance.md, "Crisis detection"), they
    caught about 5% more crisis examples at the same share of others flagged;
    the topic classifier does not gain from them and stays lighter.
    """

    def __init__(self, analyser: Analyser, *, pairs: bool = False) -> None:
        self.analyser = analyser
        # The fitted vectorisers for one text at a time (bot.vectors), made on first use.
        self._one: tuple[OneText, OneText] | None = None
        self._words = TfidfVectorizer(
            analyzer="word",
            tokenizer=str.split,
            token_pattern=None,
            lowercase=False,
            ngram_range=(1, 2) if pairs else (1, 1),
            sublinear_tf=True,
            dtype=np.float32,
        )
        self._letters = TfidfVectorizer(
            analyzer="char" if pairs else "char_wb",
            ngram_range=(1, 6) if pairs else (2, 5),
            sublinear_tf=True,
            min_df=2,
            preprocessor=fold,
            dtype=np.float32,
        )

    def rebind(self, analyser: Analyser) -> None:
        """Use this process's analyser (a model loaded from disk comes without one)."""
        self.analyser = analyser

    def __getstate__(self) -> dict[str, object]:
        # The analyser holds a Voikko handle, which cannot be pickled: the loader rebinds its own.
        # The one-text vectorisers are rebuilt from the fitted ones on first use.
        return {**self.__dict__, "analyser": None, "_one": None}

    def _terms(self, text: str, lang: str) -> str:
        return " ".join(self.analyser.terms(text, lang)) or "_"

    def fit_transform(self, samples: list[Sample]) -> csr_matrix:
        words = self._words.fit_transform([self._terms(s.text, s.lang) for s in samples])
        letters = self._letters.fit_transform([s.text for s in samples])
        return hstack([words, letters]).tocsr()

    def knows(self, text: str, lang: str) -> bool:
        """Whether ``text`` has a word the examples use, or no word beyond everyday ones ("moi").

        A message whose every word is unknown ("qwerty blorp") is gibberish to the bot.
        """
        vocabulary = getattr(self._words, "vocabulary_", {})
        terms = [t for t in self.analyser.terms(text, lang) if len(t) > 2 and not t.isdigit()]
        return not terms or any(term in vocabulary for term in terms)

    def transform(self, text: str, lang: str) -> csr_matrix:
        """The features of ``text`` as scikit-learn computes them (what ``vector`` must equal)."""
        return hstack([self._words.transform([self._terms(text, lang)]), self._letters.transform([text])]).tocsr()

    def vector(self, text: str, lang: str) -> Vector:
        """The features of ``text`` as a sparse vector (``bot.vectors``): what a message is scored on."""
        one = self._one
        if one is None:
            words = OneText(self._words)
            one = self._one = (words, OneText(self._letters, offset=words.size))
        words, letters = one
        return joined(words.vector(self._terms(text, lang)), letters.vector(text))


class TopicClassifier:
    """Shares of 1 per topic for a message, from a linear model over the brain's examples."""

    def __init__(self, samples: Iterable[Sample], analyser: Analyser) -> None:
        items = [s for s in samples if s.text.strip()]
        self.classes: list[str] = sorted({s.slug for s in items})
        self._features = Features(analyser)
        self._model: LinearSVC | None = None
        if len(self.classes) < 2:
            return
        model = LinearSVC(C=C, tol=1e-3)
        model.fit(self._features.fit_transform(items), [s.slug for s in items], sample_weight=[s.weight for s in items])
        self._model = model
        self.classes = [str(c) for c in model.classes_]

    def rebind(self, analyser: Analyser) -> None:
        self._features.rebind(analyser)

    def knows(self, text: str, lang: str) -> bool:
        """Whether any word of ``text`` is one the brain's examples use (True when there is no model to ask)."""
        return self._model is None or self._features.knows(text, lang)

    def shares(self, text: str, lang: str) -> dict[str, float]:
        """Each topic's share of 1 for ``text`` read in ``lang`` (empty without a trained model)."""
        if self._model is None or not text.strip():
            return {}
        values = decision(self._model.coef_, self._model.intercept_, self._features.vector(text[:2000], lang))
        if len(self.classes) == 2:
            values = np.array([-values[0], values[0]])  # a two-class model gives one value, for the second
        exp = np.exp((values - values.max()) * TEMPERATURE)
        shares = exp / exp.sum()
        return {slug: float(share) for slug, share in zip(self.classes, shares, strict=True)}


class CrisisClassifier:
    """Crisis or not, from a linear model: the crisis topic's examples against every other example.

    The crisis detector's last net (``bot.engine.Bot.crisis_hits``). Unlike the
    nearest crisis example, it learns which words and letter sequences speak
    for risk and which against it (the small-talk topic's "kuolen tylsyyteen"),
    so it generalises to wordings no example has. Classes are balanced: there
    are far fewer crisis examples than others.
    """

    def __init__(self, samples: Iterable[Sample], analyser: Analyser) -> None:
        items = [s for s in samples if s.text.strip()]
        self._features = Features(analyser, pairs=True)
        self._model: LinearSVC | None = None
        labels = [s.slug == "crisis" for s in items]
        if all(labels) or not any(labels):
            return
        model = LinearSVC(C=C, class_weight="balanced")
        model.fit(self._features.fit_transform(items), labels)
        self._model = model

    def rebind(self, analyser: Analyser) -> None:
        self._features.rebind(analyser)

    def score(self, text: str, lang: str) -> float | None:
        """How far ``text`` is on the crisis side (above 0: crisis), or None without a model."""
        if self._model is None or not text.strip():
            return None
        vector = self._features.vector(text[:2000], lang)
        return float(decision(self._model.coef_, self._model.intercept_, vector)[0])
