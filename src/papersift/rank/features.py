"""What the learned ranker reads of a paper: a fixed-length vector and its similarity to each topic.

Two feature sets: MiniLM embeddings (the default, the vectors the embedding ranker already caches)
and hashed TF-IDF-like word counts (no torch needed, and quick for tests). Each also gives the
papers-by-topics similarity that its interests-similarity ranker scores with, so an untrained
learned ranker is exactly that ranker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np
from numpy.typing import NDArray

from papersift.interests import Interests
from papersift.models import Paper

if TYPE_CHECKING:
    from scipy.sparse import spmatrix

    from papersift.rank.embedding import EmbeddingRanker


class Features(Protocol):
    """Turns papers into the vectors a linear model is trained on."""

    name: str
    """Names the feature set; a model fitted on one feature set is refused by another."""

    def vectors(self, papers: Sequence[Paper]) -> NDArray[np.float32] | spmatrix:
        """One row per paper, of a length that does not depend on the papers."""
        ...

    def topic_similarity(
        self, papers: Sequence[Paper], interests: Interests
    ) -> NDArray[np.float32]:
        """A papers-by-topics similarity matrix, as the interests-similarity ranker computes it."""
        ...


class EmbeddingFeatures:
    """Sentence embeddings of title and abstract, from the embedding ranker and its cache."""

    def __init__(self, ranker: EmbeddingRanker) -> None:
        self.ranker = ranker
        self.name = f"embedding:{ranker.encoder.name}"
        self._queries: dict[str, NDArray[np.float32]] = {}

    def vectors(self, papers: Sequence[Paper]) -> NDArray[np.float32]:
        """Unit-length embeddings, computed only for papers the cache lacks."""
        if not papers:
            return np.zeros((0, 0), dtype=np.float32)
        return self.ranker.embed(papers)

    def topic_similarity(
        self, papers: Sequence[Paper], interests: Interests
    ) -> NDArray[np.float32]:
        """Cosine similarity of each paper to each topic's query."""
        texts = [topic.query for topic in interests.topics]
        missing = [text for text in texts if text not in self._queries]
        if missing:
            encoded = self.ranker.encoder.encode(missing, self.ranker.batch_size)
            self._queries.update(zip(missing, encoded, strict=True))
        queries = np.stack([self._queries[text] for text in texts])
        if not papers:
            return np.zeros((0, len(texts)), dtype=np.float32)
        return (self.vectors(papers) @ queries.T).astype(np.float32)


class HashedTextFeatures:
    """Word and word-pair counts hashed into a fixed number of columns, length-normalised.

    The topic similarity is the TF-IDF ranker's, fitted on the papers given, so with no model
    the learned ranker on these features is exactly the TF-IDF ranker.
    """

    name = "hashed-text"

    def __init__(self, columns: int = 2**18) -> None:
        self.columns = columns

    def vectors(self, papers: Sequence[Paper]) -> spmatrix:
        """Sparse rows of sub-linear term counts with unit length."""
        from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

        vectorizer = HashingVectorizer(
            n_features=self.columns,
            stop_words="english",
            ngram_range=(1, 2),
            alternate_sign=False,
            norm=None,
        )
        counts = vectorizer.transform([paper.text for paper in papers])
        return TfidfTransformer(use_idf=False, sublinear_tf=True).fit_transform(counts)

    def topic_similarity(
        self, papers: Sequence[Paper], interests: Interests
    ) -> NDArray[np.float32]:
        """TF-IDF cosine similarity of each paper to each topic's query."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        queries = [topic.query for topic in interests.topics]
        if not papers:
            return np.zeros((0, len(queries)), dtype=np.float32)
        vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 2))
        matrix = vectorizer.fit_transform([paper.text for paper in papers] + queries)
        paper_rows, query_rows = matrix[: len(papers)], matrix[len(papers) :]
        return np.asarray((paper_rows @ query_rows.T).todense(), dtype=np.float32)
