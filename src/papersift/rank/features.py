"""What the learned ranker reads of a paper: a fixed-length vector, learned from the training set.

Two feature sets. ``text`` (the default) is TF-IDF over the words and word pairs of title and
abstract, its vocabulary and weights taken from the papers the model is trained on and kept with
the model; on the judged astro-ph days it finds more of the judge's picks than the embeddings
(README, learning from the reader). ``embedding`` uses the MiniLM vectors the embedding ranker
already caches, and learns nothing at fit time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numpy.typing import NDArray

from papersift.models import Paper

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

    from papersift.rank.embedding import EmbeddingRanker

Matrix = Any
"""A dense array or a SciPy sparse matrix, one row per paper."""


class Features(Protocol):
    """Turns papers into the vectors a linear model is trained on."""

    name: str
    """Names the feature set; a model fitted on one feature set is refused by another."""

    def fit(self, papers: Sequence[Paper]) -> None:
        """Learn what the vectors need from the training papers (a vocabulary, say)."""
        ...

    def vectors(self, papers: Sequence[Paper]) -> Matrix:
        """One row per paper, of a length fixed by the last :meth:`fit` or :meth:`restore`."""
        ...

    def state(self) -> dict[str, NDArray[Any]]:
        """What :meth:`fit` learned, as arrays to keep beside the model."""
        ...

    def restore(self, state: dict[str, NDArray[Any]]) -> None:
        """Take back what :meth:`state` gave."""
        ...


class EmbeddingFeatures:
    """Sentence embeddings of title and abstract, from the embedding ranker and its cache."""

    def __init__(self, ranker: EmbeddingRanker) -> None:
        self.ranker = ranker
        self.name = f"embedding:{ranker.encoder.name}"

    def fit(self, papers: Sequence[Paper]) -> None:
        """Nothing to learn: the encoder is fixed."""

    def vectors(self, papers: Sequence[Paper]) -> NDArray[np.float32]:
        """Unit-length embeddings, computed only for papers the cache lacks."""
        if not papers:
            return np.zeros((0, 0), dtype=np.float32)
        return self.ranker.embed(papers)

    def state(self) -> dict[str, NDArray[Any]]:
        """No state."""
        return {}

    def restore(self, state: dict[str, NDArray[Any]]) -> None:
        """No state."""


class TextFeatures:
    """TF-IDF of words and word pairs, sub-linear counts, rows of unit length.

    The vocabulary is the terms of at least ``min_df`` training papers (English stop words left
    out); a term never seen in training adds nothing, so a fitted model scores any later day.
    """

    name = "text-tfidf"

    def __init__(self, min_df: int = 2) -> None:
        self.min_df = min_df
        self._terms: list[str] = []
        self._idf = np.zeros(0, dtype=np.float32)

    def fit(self, papers: Sequence[Paper]) -> None:
        """Learn the vocabulary and the inverse document frequencies of ``papers``."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        min_df = self.min_df if len(papers) >= 2 * self.min_df else 1
        vectorizer = TfidfVectorizer(
            stop_words="english", sublinear_tf=True, ngram_range=(1, 2), min_df=min_df
        )
        try:
            vectorizer.fit([paper.text for paper in papers])
        except ValueError:  # no term at all: empty texts or only stop words
            self._terms, self._idf = [], np.zeros(0, dtype=np.float32)
            return
        self._terms = list(vectorizer.get_feature_names_out())
        self._idf = vectorizer.idf_.astype(np.float32)

    def vectors(self, papers: Sequence[Paper]) -> csr_matrix:
        """Sparse rows over the fitted vocabulary."""
        from scipy.sparse import csr_matrix
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.preprocessing import normalize

        if not self._terms:
            return csr_matrix((len(papers), 0), dtype=np.float32)
        counter = CountVectorizer(
            stop_words="english",
            ngram_range=(1, 2),
            vocabulary={term: column for column, term in enumerate(self._terms)},
        )
        counts = counter.transform([paper.text for paper in papers]).astype(np.float32)
        counts.data = 1.0 + np.log(counts.data)
        weighted = counts.multiply(self._idf[np.newaxis, :]).tocsr()
        return normalize(weighted)

    def state(self) -> dict[str, NDArray[Any]]:
        """The vocabulary and its weights."""
        return {"terms": np.asarray(self._terms, dtype=np.str_), "idf": self._idf}

    def restore(self, state: dict[str, NDArray[Any]]) -> None:
        """Take back a vocabulary and its weights."""
        self._terms = [str(term) for term in state["terms"]]
        self._idf = np.asarray(state["idf"], dtype=np.float32)
        if len(self._terms) != self._idf.shape[0]:
            raise ValueError("the vocabulary and its weights differ in length")
