"""Rankers measured on labelled days: the metrics of each day, their means, and the cascade."""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from papersift.evaluate.cascade import CascadeDay, DayTokens, replay_cascade
from papersift.evaluate.metrics import (
    BUDGETS,
    average_precision,
    bootstrap_interval,
    ndcg_at,
    recall_at_budget,
    spearman,
)
from papersift.interests import Interests
from papersift.judge.estimate import TokenEstimate
from papersift.rank.base import Ranker
from papersift.sources.judged import LabelledDay

logger = logging.getLogger(__name__)

SHARES: tuple[float, ...] = tuple(round(0.05 * step, 2) for step in range(1, 21))
"""Shares of the day the replayed cascade is measured at, 5 % apart."""

Interval = tuple[float, float, float]
"""A mean with the low and high ends of its bootstrap interval."""


@dataclass(frozen=True, slots=True)
class EvalOptions:
    """What counts as a positive and where the metrics look."""

    positive: float = 8.0
    """The judge's relevance from which a paper counts as one it would select."""
    budgets: tuple[float, ...] = BUDGETS
    shares: tuple[float, ...] = SHARES
    tune_days: int = 20
    """The first days, on which settings may be chosen; the rest are held apart."""
    keep_target: float = 0.97
    """Share of the full judge's selection the chosen cascade share must keep."""
    ndcg_k: int = 20


@dataclass(slots=True)
class DayMetrics:
    """One ranker on one day."""

    date: dt.date
    papers: int
    positives: int
    recall: dict[float, float]
    """Budget share to recall of the positives within it."""
    average_precision: float
    ndcg: float
    spearman: float
    cascade: list[CascadeDay] = field(default_factory=list)


@dataclass(slots=True)
class RankerEvaluation:
    """One ranker over every day."""

    name: str
    days: list[DayMetrics]
    seconds: float
    """Time the ranker took over all days."""
    replayed: bool = False
    """The ranker is a cascade that replays the recorded judgments."""

    def metric(self, key: str, days: slice = slice(None)) -> list[float]:
        """One value per day of ``recall@<share>``, ``ap``, ``ndcg``, ``spearman``,
        ``kept@<share>`` or ``saving@<share>``."""
        chosen = self.days[days]
        if key.startswith("recall@"):
            return [day.recall[float(key[7:])] for day in chosen]
        if key.startswith(("kept@", "saving@")):
            name, share = key.split("@")
            return [getattr(_at(day.cascade, float(share)), name) for day in chosen]
        return [getattr(day, {"ap": "average_precision"}.get(key, key)) for day in chosen]

    def interval(self, key: str, days: slice = slice(None)) -> Interval:
        """Mean over ``days`` with its 95 % bootstrap interval."""
        return bootstrap_interval(self.metric(key, days))

    def pooled_kept(self, share: float, days: slice = slice(None)) -> float:
        """Share of all the full judge's selections over ``days`` the cascade keeps."""
        chosen = [_at(day.cascade, share) for day in self.days[days]]
        full = sum(item.full_selected for item in chosen)
        return sum(item.selected for item in chosen) / full if full else math.nan

    def tokens(self, share: float | None, days: slice = slice(None)) -> int:
        """Judge tokens over ``days`` at ``share``; ``None`` is judging every paper."""
        chosen = [_at(day.cascade, share or 1.0) for day in self.days[days]]
        return sum(item.full_tokens if share is None else item.tokens for item in chosen)


@dataclass(slots=True)
class Evaluation:
    """Every ranker measured on the same days."""

    options: EvalOptions
    dates: list[dt.date]
    rankers: list[RankerEvaluation]

    @property
    def tuning(self) -> slice:
        """The days settings may be chosen on."""
        return slice(0, min(self.options.tune_days, len(self.dates)))

    @property
    def held_out(self) -> slice:
        """The days held apart from any choice."""
        return slice(min(self.options.tune_days, len(self.dates)), None)

    def cascade_share(self, ranker: RankerEvaluation) -> float | None:
        """The smallest share whose mean kept share over the tuning days meets the target."""
        for share in self.options.shares:
            mean = bootstrap_interval(ranker.metric(f"kept@{share}", self.tuning))[0]
            if mean >= self.options.keep_target:
                return share
        return None


def evaluate(
    days: Sequence[LabelledDay],
    interests: Interests,
    rankers: Sequence[Ranker],
    options: EvalOptions | None = None,
    estimate: TokenEstimate | None = None,
) -> Evaluation:
    """Rank every day with every ranker and measure it against the recorded judgments.

    The cascade's tokens are counted by ``estimate``, by default the judge's with its default
    settings and ``interests``.
    """
    options = options or EvalOptions()
    estimate = estimate or TokenEstimate(interests.text)
    day_tokens = [_day_tokens(day, estimate) for day in days]
    results = []
    for ranker in rankers:
        started = time.perf_counter()
        measured = [
            _measure_day(day, ranker, interests, options, tokens)
            for day, tokens in zip(days, day_tokens, strict=True)
        ]
        seconds = time.perf_counter() - started
        logger.info("Evaluated %s on %d days in %.1f s", ranker.name, len(days), seconds)
        replayed = bool(getattr(ranker, "replays_judge", False))
        results.append(RankerEvaluation(ranker.name, measured, seconds, replayed))
    return Evaluation(options, [day.date for day in days], results)


def _day_tokens(day: LabelledDay, estimate: TokenEstimate) -> DayTokens:
    comments = {paper_id: label.comment for paper_id, label in day.labels.items()}
    return DayTokens(day.papers, comments, estimate)


def relevance_of(day: LabelledDay) -> list[float]:
    """The recorded relevance of each paper of ``day`` in order, 0 where none was recorded."""
    values = []
    for paper in day.papers:
        judgment = day.labels.get(paper.id)
        values.append(judgment.relevance if judgment and judgment.relevance is not None else 0.0)
    return values


def _measure_day(
    day: LabelledDay,
    ranker: Ranker,
    interests: Interests,
    options: EvalOptions,
    tokens: DayTokens,
) -> DayMetrics:
    scores = [item.score for item in ranker.rank(day.papers, interests)]
    relevance = relevance_of(day)
    positive = [value >= options.positive for value in relevance]
    return DayMetrics(
        date=day.date,
        papers=len(scores),
        positives=sum(positive),
        recall={share: recall_at_budget(scores, positive, share) for share in options.budgets},
        average_precision=average_precision(scores, positive),
        ndcg=ndcg_at(scores, relevance, options.ndcg_k),
        spearman=spearman(scores, relevance),
        cascade=[
            replay_cascade(scores, positive, share, tokens)
            for share in sorted({*options.shares, 1.0})
        ],
    )


def _at(cascade: list[CascadeDay], share: float) -> CascadeDay:
    for item in cascade:
        if math.isclose(item.share, share):
            return item
    raise KeyError(f"no cascade measured at share {share}")
