"""How close a message is to the brain's example questions, by shared letter sequences.

The crisis detector's third net (``bot.crisis``): the brain's ``crisis`` topic
holds example messages of young people in danger, written and extended by
editors. A message whose letter sequences (3 to 5 letters, within words, on
the folded text without harmless idioms) are close enough to one of them is
flagged, so a new way of saying it that an editor added is caught at once,
without code, in its inflections and with typos.

Letter sequences rather than words, because Finnish inflects and compounds
("pillereitä", "unilääkepurkki") and young people misspell; TF-IDF weights,
learnt from all the example questions of the brain, so that sequences every
topic uses ("miten", "mulla") count little.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.crisis import clean
from bot.vectors import OneText, by_columns, similarities

# A message at least this close to a crisis example (cosine of TF-IDF vectors), and
# closer to it than to any other topic's example, is flagged; one this close, always.
# Set on the tune halves of evaluation/ and on 520 crisis lines kept out of the brain
# (docs/performance.md, "Issue 10"): shared names ("poikaystävä", "kirjottaa") alone bring a
# message to about 0.5, and beside the classifier 0.45 caught 2 more of the 520 than 0.55 for
# 2 more everyday lines and 4 more topic questions flagged ("how long should you date"
# met "how long should a cut bleed").
CRISIS_SIMILARITY_NEAREST = 0.55
CRISIS_SIMILARITY = 0.65
# The first rule only for a message of at least this many words: in a shorter one the
# similarity rests on one word ("sataako huomenna" meets "huomenna se tapahtuu").
CRISIS_NEAREST_MIN_WORDS = 3
# A one-word message only when it is all but one of the examples: "hejdå" met "hejdå. förlåt."
# at 0.70. One-word cries for help ("itsemurha") are the signal lists' work.
CRISIS_SIMILARITY_ONE_WORD = 0.9


@dataclass(frozen=True)
class Nearest:
    """The closest crisis example to a message, how close it is, and how close the closest other example is."""

    example: str
    score: float
    other: float
    words: int = 0  # of the message, as read (folded, harmless idioms out)


class ExampleNet:
    """TF-IDF letter sequences of the brain's example questions, with the crisis examples apart."""

    def __init__(self, crisis: list[str], others: list[str]) -> None:
        self.crisis_examples = list(crisis)
        self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, dtype=np.float32)
        texts = [clean(q) for q in [*crisis, *others]]
        if not any(texts):
            self._matrix = None
            return
        matrix = self._vectorizer.fit_transform(texts)
        # By columns: a message has a few hundred of the tens of thousands of letter sequences.
        self._crisis = by_columns(matrix[: len(crisis)])
        self._others = by_columns(matrix[len(crisis) :])
        self._matrix = matrix
        self._one = OneText(self._vectorizer)

    def nearest_crisis(self, text: str) -> Nearest | None:
        """The crisis example closest to ``text`` (None without crisis examples or words)."""
        folded = clean(text[:2000])
        if self._matrix is None or not self.crisis_examples or not folded:
            return None
        vector = self._one.vector(folded)
        if not len(vector[0]):
            return None
        crisis = similarities(self._crisis, vector)
        best = int(crisis.argmax())
        other = float(similarities(self._others, vector).max()) if self._others.shape[0] else 0.0
        return Nearest(self.crisis_examples[best], float(crisis[best]), other, len(folded.split()))

    def is_crisis(self, nearest: Nearest | None) -> bool:
        """Whether a message this close to a crisis example is flagged."""
        if nearest is None:
            return False
        if nearest.words < 2:
            return nearest.score >= CRISIS_SIMILARITY_ONE_WORD
        return nearest.score >= CRISIS_SIMILARITY or (
            nearest.score >= CRISIS_SIMILARITY_NEAREST
            and nearest.score > nearest.other
            and nearest.words >= CRISIS_NEAREST_MIN_WORDS
        )
