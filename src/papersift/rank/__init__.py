"""Local, free rankers that score papers against the interests."""

from __future__ import annotations

from papersift.rank.base import Ranker, make_ranker
from papersift.rank.cache import EmbeddingCache, FileEmbeddingCache

__all__ = ["EmbeddingCache", "FileEmbeddingCache", "Ranker", "make_ranker"]
