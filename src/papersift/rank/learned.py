"""The learned ranker: the interests ranker blended with a model of this profile's past verdicts.

A logistic regression is fitted on each past paper's feature vector (TF-IDF of its text by
default), labelled by the judge's relevance, with the reader's ratings taking precedence and old
evidence fading with a half-life. The ranker's score is a blend of the base ranker's score (the
configured interests ranker) and the model's, both standardised within the day; the model's
weight grows with the history behind it, from nothing (exactly the base ranker) to
``max_weight``.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from papersift.config import LearningSettings
from papersift.errors import StoreError
from papersift.interests import Interests
from papersift.models import Paper, Score
from papersift.profile import Example, ModelBlob, Rating, latest_ratings
from papersift.rank.base import Progress, Ranker
from papersift.rank.features import Features

logger = logging.getLogger(__name__)

MODEL_FORMAT = "papersift.learned/2"
PICK_RELEVANCE = 8.0
"""Quality is measured on the judge's picks: the papers it gave at least this relevance."""
# TODO(#7): recall within 25 % of the day is about 0.90 on the astro-ph replay, short of 0.95;
# the judge's picks need about 40 % of the day to reach 97 %.


@dataclass(slots=True)
class History:
    """What a training set holds: how many days, papers and positives, and from where."""

    days: int = 0
    papers: int = 0
    positives: int = 0
    ratings: int = 0
    seeds: int = 0
    first: dt.date | None = None
    last: dt.date | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return {
            "days": self.days,
            "papers": self.papers,
            "positives": self.positives,
            "ratings": self.ratings,
            "seeds": self.seeds,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
        }


@dataclass(slots=True)
class TrainingSet:
    """Papers with a 0/1 label and a weight each, and the history they summarise."""

    papers: list[Paper] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    history: History = field(default_factory=History)


def build_training_set(
    examples: Sequence[Example],
    ratings: Sequence[Rating],
    settings: LearningSettings,
    today: dt.date,
) -> TrainingSet:
    """Label and weight the examples; a rating replaces every verdict on its paper.

    A judged paper is positive when its relevance reaches ``positive_relevance``; a seed is
    positive. A like or a save is positive and a dislike negative whatever the judge said, and
    counts ``rating_weight`` times. Every weight halves each ``half_life_days`` of age. A rating
    kept without the paper's text trains on the text of the paper's examples; with no text at
    all it trains on nothing and replaces nothing.
    """
    rated = _with_text(latest_ratings(ratings), examples)
    chosen = TrainingSet()
    days: set[dt.date] = set()
    for example in examples:
        if example.paper.id in rated and rated[example.paper.id].paper is not None:
            continue
        label = example.origin == "seed" or (example.relevance or 0) >= settings.positive_relevance
        weight = settings.seed_weight if example.origin == "seed" else 1.0
        _add(chosen, example.paper, label, weight * _decay(example.date, today, settings))
        if example.origin == "judge":
            days.add(example.date)
        else:
            chosen.history.seeds += 1
    for rating in rated.values():
        if rating.paper is None:
            continue
        decay = _decay(rating.at.date(), today, settings)
        _add(chosen, rating.paper, rating.positive, settings.rating_weight * decay)
        chosen.history.ratings += 1
    chosen.history.days = len(days)
    chosen.history.first = min(days, default=None)
    chosen.history.last = max(days, default=None)
    return chosen


def _with_text(rated: dict[str, Rating], examples: Sequence[Example]) -> dict[str, Rating]:
    """``rated`` with each rating that lacks its paper's text given the latest example's."""
    known: dict[str, Paper] = {}
    for example in examples:
        paper = known.get(example.paper.id)
        if paper is None or (example.paper.version or 0) >= (paper.version or 0):
            known[example.paper.id] = example.paper
    return {
        paper_id: rating
        if rating.paper is not None or paper_id not in known
        else dataclasses.replace(rating, paper=known[paper_id])
        for paper_id, rating in rated.items()
    }


def _add(chosen: TrainingSet, paper: Paper, positive: bool, weight: float) -> None:
    chosen.papers.append(paper)
    chosen.labels.append(int(positive))
    chosen.weights.append(weight)
    chosen.history.papers += 1
    chosen.history.positives += int(positive)


def _decay(date: dt.date, today: dt.date, settings: LearningSettings) -> float:
    age = max((today - date).days, 0)
    return float(0.5 ** (age / settings.half_life_days))


def blend_weight(history: History, settings: LearningSettings) -> float:
    """The learned model's share of the score, growing with days and positives of history.

    Zero below ``min_days`` or ``min_positives``; then rising linearly to ``max_weight``, reached
    once both ``full_days`` and ``full_positives`` are met.
    """
    if history.days + history.ratings + history.seeds == 0:
        return 0.0
    days = max(history.days, 1 if history.ratings or history.seeds else 0)
    if days < settings.min_days or history.positives < settings.min_positives:
        return 0.0
    progress = min(days / settings.full_days, history.positives / settings.full_positives, 1.0)
    return settings.max_weight * progress


@dataclass(slots=True)
class LinearModel:
    """A fitted linear scorer over a feature set's vectors, with what the feature set learned."""

    features: str
    """The feature set's name it was fitted on."""
    coef: NDArray[np.float32]
    intercept: float
    state: dict[str, NDArray[Any]] = field(default_factory=dict)
    """The feature set's fitted state (a vocabulary, say), see :meth:`Features.state`."""
    meta: dict[str, Any] = field(default_factory=dict)
    """History, blend weight and measured quality, for ``papersift profile show``."""

    def decision(self, features: Features, papers: Sequence[Paper]) -> NDArray[np.float64]:
        """The model's score of each paper (higher means more likely wanted)."""
        fitted = copy.copy(features)
        fitted.restore(self.state)
        vectors = fitted.vectors(papers)
        if vectors.shape[1] != self.coef.shape[0]:
            return np.zeros(len(papers))
        values = np.asarray(vectors @ self.coef, dtype=np.float64).ravel()
        return values + self.intercept

    def to_blob(self) -> ModelBlob:
        """The model as bytes (a NumPy archive, no pickle) and its description."""
        buffer = io.BytesIO()
        state = {f"state_{key}": value for key, value in self.state.items()}
        np.savez_compressed(buffer, coef=self.coef, intercept=np.array([self.intercept]), **state)
        meta = {**self.meta, "format": MODEL_FORMAT, "features": self.features}
        return ModelBlob(buffer.getvalue(), meta)

    @classmethod
    def from_blob(cls, blob: ModelBlob) -> LinearModel:
        """Read a model written by :meth:`to_blob`.

        Raises:
            StoreError: the bytes are not such a model.
        """
        refit = "Refit it with `papersift profile fit` (a judged run also refits it)."
        if blob.meta.get("format") != MODEL_FORMAT:
            raise StoreError(
                f"The stored model has format {blob.meta.get('format')!r}, not {MODEL_FORMAT!r}.",
                refit,
            )
        try:
            with np.load(io.BytesIO(blob.data), allow_pickle=False) as arrays:
                coef, intercept = arrays["coef"], float(arrays["intercept"][0])
                state = {
                    key.removeprefix("state_"): arrays[key]
                    for key in arrays.files
                    if key.startswith("state_")
                }
        except (OSError, ValueError, KeyError, EOFError) as exc:
            raise StoreError(f"The stored model cannot be read: {exc}.", refit) from None
        meta = {k: v for k, v in blob.meta.items() if k not in {"format", "features"}}
        return cls(str(blob.meta["features"]), coef, intercept, state, meta)


def fit_model(
    features: Features,
    training: TrainingSet,
    settings: LearningSettings,
    *,
    log_level: int = logging.INFO,
) -> LinearModel | None:
    """Fit the logistic regression; ``None`` when the set lacks positives or negatives.

    ``log_level`` is the level of the line that reports the fit (DEBUG for auxiliary fits).
    """
    from sklearn.linear_model import LogisticRegression

    labels = np.asarray(training.labels)
    if labels.size == 0 or labels.min() == labels.max():
        return None
    fitted = copy.copy(features)
    fitted.fit(training.papers)
    matrix = fitted.vectors(training.papers)
    if matrix.shape[1] == 0:
        return None
    classifier = LogisticRegression(
        C=settings.regularisation, class_weight="balanced", max_iter=3000
    )
    classifier.fit(matrix, labels, sample_weight=np.asarray(training.weights))
    weight = blend_weight(training.history, settings)
    meta = {"history": training.history.as_dict(), "weight": weight}
    logger.log(
        log_level,
        "Learned ranker fitted on %d papers (%d positive) from %d days; blend weight %.2f",
        training.history.papers,
        training.history.positives,
        training.history.days,
        weight,
    )
    coef = classifier.coef_.ravel().astype(np.float32)
    return LinearModel(fitted.name, coef, float(classifier.intercept_[0]), fitted.state(), meta)


class LearnedRanker:
    """The base ranker blended with a learned model; without a model, the base ranker alone."""

    def __init__(
        self,
        base: Ranker,
        features: Features,
        model: LinearModel | None = None,
        weight: float | None = None,
    ) -> None:
        if model is not None and model.features != features.name:
            logger.warning(
                "The stored model was fitted on %s, not %s; ranking by interests alone.",
                model.features,
                features.name,
            )
            model = None
        self.base = base
        self.features = features
        self.model = model
        self.weight = (
            0.0
            if model is None
            else float(model.meta.get("weight", 0.0) if weight is None else weight)
        )
        self.name = f"learned:{features.name}+{base.name}" if self.weight > 0 else base.name

    def rank(
        self, papers: Sequence[Paper], interests: Interests, progress: Progress | None = None
    ) -> list[Score]:
        """One score per paper: the blend, with the topic the base ranker names."""
        base = self.base.rank(papers, interests, progress)
        if self.model is None or self.weight <= 0 or not papers:
            return base
        learned = self.model.decision(self.features, papers)
        mixed = (1 - self.weight) * standard([s.score for s in base]) + self.weight * standard(
            learned
        )
        return [Score(s.paper_id, float(v), s.topic) for s, v in zip(base, mixed, strict=True)]


def standard(values: Sequence[float] | NDArray[np.float64]) -> NDArray[np.float64]:
    """``values`` as z-scores; constant values become zeros."""
    array = np.asarray(values, dtype=np.float64)
    spread = array.std()
    return (array - array.mean()) / spread if spread > 0 else array - array.mean()
