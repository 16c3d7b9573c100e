"""BM25 of each topic's words against the day's papers: a lexical ranker with no model.

The IDF comes from the papers being ranked, so a word every paper of the day uses (``galaxy`` on
an astro-ph day) weighs little and a rare one (``mass-loading``) much.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from papersift.interests import Interests
from papersift.models import Paper, Score
from papersift.rank.base import Progress, topic_scores

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SUFFIXES = ("ies", "es", "s")


def tokenize(text: str) -> list[str]:
    """Lower-case words without English stop words, plurals folded, hyphenated words kept whole
    and also split into their parts."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words: list[str] = []
    for word in _WORD.findall(text.lower()):
        parts = [word, *word.split("-")] if "-" in word else [word]
        words.extend(_fold(part) for part in parts if part not in ENGLISH_STOP_WORDS)
    return [word for word in words if len(word) > 1]


def _fold(word: str) -> str:
    if len(word) <= 4 or word.endswith("ss"):
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def bm25_matrix(
    documents: Sequence[str], queries: Sequence[str], k1: float = 1.2, b: float = 0.75
) -> NDArray[np.float32]:
    """Okapi BM25 of each query (columns) against each document (rows).

    A query word counts once however often the query repeats it.
    """
    tokens = [tokenize(text) for text in documents]
    counts = [Counter(words) for words in tokens]
    lengths = np.array([len(words) for words in tokens], dtype=np.float64)
    average = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
    frequency: Counter[str] = Counter()
    for count in counts:
        frequency.update(count.keys())
    total = len(documents)
    result = np.zeros((total, len(queries)), dtype=np.float32)
    for column, query in enumerate(queries):
        for word in set(tokenize(query)):
            seen = frequency.get(word, 0)
            if not seen:
                continue
            idf = math.log(1.0 + (total - seen + 0.5) / (seen + 0.5))
            tf = np.array([count.get(word, 0) for count in counts], dtype=np.float64)
            norm = k1 * (1.0 - b + b * lengths / average)
            result[:, column] += (idf * tf * (k1 + 1.0) / (tf + norm)).astype(np.float32)
    return result


class Bm25Ranker:
    """BM25 of each topic's query against the papers; the best topic gives the score."""

    name = "bm25"

    def rank(
        self, papers: Sequence[Paper], interests: Interests, progress: Progress | None = None
    ) -> list[Score]:
        """Score ``papers`` against each topic's title, notes and keywords."""
        if not papers:
            return []
        queries = [topic.query for topic in interests.topics]
        similarity = bm25_matrix([paper.text for paper in papers], queries)
        if progress:
            progress(len(papers))
        return topic_scores(similarity, papers, interests)
