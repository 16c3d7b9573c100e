"""Ranking metrics of one day, and the bootstrap interval of their mean over days.

Every function takes the ranker's scores and the judge's relevance for the same papers, in the
same order. Ties in the scores are broken by position, as a stable sort would break them, so a
ranker that gives every paper the same score is measured as the given order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

BUDGETS: tuple[float, ...] = (0.10, 0.20, 0.25, 0.30, 0.50)
"""Shares of the day the metrics look at; 25 % is the share the judge is meant to read."""


def ranking(scores: Sequence[float]) -> NDArray[np.int64]:
    """Indices of ``scores`` from best to worst; equal scores keep their given order."""
    return np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")


def budget_size(papers: int, share: float) -> int:
    """How many of ``papers`` a budget of ``share`` of the day covers (rounded up, at least 1)."""
    if papers == 0:
        return 0
    return min(papers, max(1, math.ceil(share * papers - 1e-9)))


def recall_at_budget(scores: Sequence[float], positive: Sequence[bool], share: float) -> float:
    """Share of the positives found in the top ``share`` of the day; NaN when there is none."""
    flags = np.asarray(positive, dtype=bool)
    if not flags.any():
        return math.nan
    top = ranking(scores)[: budget_size(len(flags), share)]
    return float(flags[top].sum() / flags.sum())


def average_precision(scores: Sequence[float], positive: Sequence[bool]) -> float:
    """Mean of the precision at the rank of each positive; NaN when there is none."""
    flags = np.asarray(positive, dtype=bool)[ranking(scores)]
    if not flags.any():
        return math.nan
    hits = np.cumsum(flags)
    ranks = np.arange(1, len(flags) + 1)
    return float((hits[flags] / ranks[flags]).mean())


def ndcg_at(scores: Sequence[float], gains: Sequence[float], k: int = 20) -> float:
    """Normalised discounted cumulative gain of the top ``k``, the judge's relevance as gain.

    The discount is ``1 / log2(rank + 1)``; NaN when every gain is zero.
    """
    values = np.asarray(gains, dtype=np.float64)
    discounts = 1.0 / np.log2(np.arange(2, min(k, len(values)) + 2))
    dcg = float((values[ranking(scores)][: len(discounts)] * discounts).sum())
    ideal = float((np.sort(values)[::-1][: len(discounts)] * discounts).sum())
    return dcg / ideal if ideal > 0 else math.nan


def spearman(scores: Sequence[float], relevance: Sequence[float]) -> float:
    """Spearman's rank correlation, ties given their average rank; NaN if either is constant."""
    first, second = _average_ranks(scores), _average_ranks(relevance)
    if len(first) < 2 or first.std() == 0 or second.std() == 0:
        return math.nan
    return float(np.corrcoef(first, second)[0, 1])


def bootstrap_interval(
    values: Sequence[float], confidence: float = 0.95, resamples: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """The mean of ``values`` (NaN left out) and its percentile bootstrap interval.

    Days are resampled with replacement ``resamples`` times from a fixed ``seed``, so a report is
    reproducible. Returns ``(mean, low, high)``, all NaN when no value is finite.
    """
    finite = np.asarray([v for v in values if not math.isnan(v)], dtype=np.float64)
    if finite.size == 0:
        return math.nan, math.nan, math.nan
    generator = np.random.default_rng(seed)
    draws = generator.integers(0, finite.size, size=(resamples, finite.size))
    means = finite[draws].mean(axis=1)
    tail = (1.0 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(finite.mean()), float(low), float(high)


def _average_ranks(values: Sequence[float]) -> NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64)
    order = np.argsort(array, kind="stable")
    ranks = np.empty(len(array), dtype=np.float64)
    ranks[order] = np.arange(1, len(array) + 1)
    for value in np.unique(array):
        tied = array == value
        if tied.sum() > 1:
            ranks[tied] = ranks[tied].mean()
    return ranks
