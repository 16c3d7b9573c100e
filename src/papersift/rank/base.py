"""The ranker protocol, the choice of ranker from the settings, and topic scoring shared by all."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from papersift.config import RankerSettings
from papersift.interests import Interests
from papersift.models import Paper, Score
from papersift.rank.cache import EmbeddingCache

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]
"""Called with the number of papers just processed, for progress bars."""


class Ranker(Protocol):
    """Scores papers against the interests; higher is better."""

    name: str
    """Names the ranker and its model in the digest and the run records."""

    def rank(
        self, papers: Sequence[Paper], interests: Interests, progress: Progress | None = None
    ) -> list[Score]:
        """One score per paper, in the order given."""
        ...


def topic_scores(
    similarity: NDArray[np.float32], papers: Sequence[Paper], interests: Interests
) -> list[Score]:
    """Scores from a papers-by-topics similarity matrix: the best topic wins.

    Each paper's score is its similarity to the topic it matches best, so a paper squarely on one
    topic is not diluted by the others.
    """
    if similarity.size == 0:
        return [Score(paper.id, 0.0, None) for paper in papers]
    best = similarity.argmax(axis=1)
    return [
        Score(paper.id, float(similarity[row, best[row]]), interests.topics[int(best[row])].title)
        for row, paper in enumerate(papers)
    ]


def make_ranker(
    settings: RankerSettings,
    cache: EmbeddingCache | None,
    cache_dir: Path,
    save_every: int | None = None,
) -> Ranker:
    """The ranker the settings ask for.

    The hybrid ranker (the default) adds day-standardised TF-IDF to the embedding similarity;
    see :mod:`papersift.rank.hybrid`. The embedding and hybrid rankers fall back to TF-IDF,
    with a warning, when torch or sentence-transformers is not installed. ``save_every`` sets
    how many new vectors the embedding ranker gathers before it saves them to the cache.
    """
    from papersift.rank.tfidf import TfidfRanker

    if settings.kind == "tfidf":
        return TfidfRanker()
    from papersift.errors import MissingExtraError
    from papersift.rank.embedding import EmbeddingRanker, load_encoder

    try:
        encoder = load_encoder(settings.model, settings.model_path)
    except MissingExtraError as exc:
        logger.warning("%s Using the TF-IDF ranker instead.", exc.message)
        return TfidfRanker()
    embedding = EmbeddingRanker(encoder, cache, batch_size=settings.batch_size)
    if save_every is not None:
        embedding.save_every = save_every
    if settings.kind == "hybrid":
        from papersift.rank.hybrid import HybridRanker

        return HybridRanker(embedding)
    return embedding
