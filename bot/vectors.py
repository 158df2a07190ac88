"""One message's TF-IDF vector from a fitted vectoriser, without scikit-learn's per-call overhead.

scikit-learn's ``transform`` is built for batches: for one short message it
spends most of a millisecond validating its input and building sparse
matrices, and the bot transforms every message four times (two classifiers,
their word and letter parts, the crisis examples). Here a message becomes the
indices and weights of its features, with the vectoriser's own analyser,
vocabulary and IDF weights, so a linear model's decision values are one small
dot product (``decision``) and the similarity to stored examples one column
slice (``similarities``). The numbers are those of ``transform`` (tested in
``tests/bot/test_bot_classifier.py``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
from scipy.sparse import csc_matrix, spmatrix
from sklearn.feature_extraction.text import TfidfVectorizer

# A sparse vector: feature indices and their weights.
Vector = tuple[np.ndarray, np.ndarray]
EMPTY: Vector = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


class OneText:
    """A fitted ``TfidfVectorizer`` (l2-normalised, IDF-weighted) applied to one text."""

    def __init__(self, vectorizer: TfidfVectorizer, offset: int = 0) -> None:
        self._analyze: Callable[[str], list[str]] = vectorizer.build_analyzer()
        self._vocabulary: dict[str, int] = vectorizer.vocabulary_
        self._idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self._sublinear = bool(vectorizer.sublinear_tf)
        # Where this vectoriser's features start among the model's (a second block after a first).
        self.offset = offset
        self.size = len(self._vocabulary)

    def vector(self, text: str) -> Vector:
        vocabulary = self._vocabulary
        counts = Counter(i for gram in self._analyze(text) if (i := vocabulary.get(gram)) is not None)
        if not counts:
            return EMPTY
        index = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        if self._sublinear:
            tf = np.log(tf) + 1.0
        weights = tf * self._idf[index]
        norm = float(np.sqrt(weights @ weights))
        if norm > 0:
            weights /= norm
        return index + self.offset, weights


def joined(*vectors: Vector) -> Vector:
    """Vectors of separate feature blocks (each already offset) as one."""
    return np.concatenate([v[0] for v in vectors]), np.concatenate([v[1] for v in vectors])


def decision(coef: np.ndarray, intercept: np.ndarray, vector: Vector) -> np.ndarray:
    """A linear model's decision values (one per class, or one for two classes) for a sparse vector."""
    index, weights = vector
    return np.asarray(coef[:, index] @ weights + intercept, dtype=np.float64)


def similarities(columns: csc_matrix, vector: Vector) -> np.ndarray:
    """The dot product of every row of ``columns`` (examples × features, CSC) with a sparse vector."""
    index, weights = vector
    if not len(index):
        return np.zeros(columns.shape[0])
    return np.asarray(columns[:, index] @ weights, dtype=np.float64).ravel()


def by_columns(matrix: spmatrix) -> csc_matrix:
    """``matrix`` stored by columns, for ``similarities``."""
    return csc_matrix(matrix, dtype=np.float64)
