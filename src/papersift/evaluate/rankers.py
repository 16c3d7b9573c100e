"""The rankers an evaluation compares, built by name, and the cascade replayed as a ranker."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from papersift.config import DEFAULT_MODEL, RankerSettings
from papersift.errors import InputError
from papersift.interests import Interests
from papersift.models import Judgment, Paper, Score
from papersift.rank.base import Progress, Ranker, make_ranker
from papersift.rank.cache import FileEmbeddingCache

RANKER_NAMES = ("tfidf", "bm25", "embedding", "hybrid")
"""Names ``papersift eval --rankers`` accepts; ``embedding:MODEL`` names another model."""


def build_ranker(name: str, cache_dir: Path | None) -> Ranker:
    """The ranker called ``name`` (see :data:`RANKER_NAMES`), caching embeddings in ``cache_dir``.

    Raises:
        InputError: the name is not known.
    """
    kind, _, model = name.partition(":")
    if kind not in RANKER_NAMES or (model and kind != "embedding"):
        raise InputError(
            f"Unknown ranker {name!r}.",
            f"Choose among {', '.join(RANKER_NAMES)}, or embedding:MODEL for another model.",
        )
    if kind == "bm25":
        from papersift.rank.bm25 import Bm25Ranker

        return Bm25Ranker()
    settings = RankerSettings(kind=kind, model=model or DEFAULT_MODEL)  # type: ignore[arg-type]
    cache = FileEmbeddingCache(cache_dir) if cache_dir is not None else None
    return make_ranker(settings, cache, cache_dir or Path("."))


class ReplayedCascade:
    """The cascade with the judge replayed: the base ranker's top share, ordered by the
    recorded relevance, comes first; the rest follow in the base ranker's order."""

    replays_judge = True

    def __init__(self, base: Ranker, labels: Mapping[str, Judgment], share: float) -> None:
        self.base = base
        self.labels = labels
        self.share = share
        self.name = f"cascade({base.name}, {share:.0%})"

    def rank(
        self, papers: Sequence[Paper], interests: Interests, progress: Progress | None = None
    ) -> list[Score]:
        """Scores whose order is the cascade's: judged papers above all others."""
        from papersift.evaluate.metrics import budget_size, ranking

        scores = self.base.rank(papers, interests, progress)
        order = ranking([s.score for s in scores])
        place = {int(index): rank for rank, index in enumerate(order)}
        judged = budget_size(len(scores), self.share)
        result = []
        for index, score in enumerate(scores):
            if place[index] >= judged:
                result.append(Score(score.paper_id, score.score - 1e6, score.topic))
                continue
            judgment = self.labels.get(score.paper_id)
            relevance = judgment.relevance if judgment and judgment.relevance is not None else 0
            result.append(Score(score.paper_id, 1e6 + relevance - place[index] * 1e-6, score.topic))
        return result
