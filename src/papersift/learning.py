"""Learning from the reader: the profile store, fitting the model, and the ranker that uses it.

This module wires the pieces together for the commands and the pipeline: after a judged day the
digest's judgments are kept as examples and the model is refitted; before ranking, the stored
model (if any, and if its history earns it a weight) is blended into the interests similarity.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from papersift.config import LearningSettings, Settings
from papersift.interests import Interests
from papersift.models import Digest
from papersift.profile import (
    Example,
    FileProfileStore,
    ProfileStore,
    Rating,
    examples_from_digest,
)
from papersift.rank.base import Ranker
from papersift.rank.features import Features, HashedTextFeatures
from papersift.rank.learned import LearnedRanker, LinearModel, build_training_set, fit_model

logger = logging.getLogger(__name__)

HOLDOUT_SHARE = 0.2
"""The latest fifth of the judged days is held out to measure a fitted model's quality."""


def profile_store(settings: Settings) -> ProfileStore:
    """The store the profile's history lives in, as the settings place it."""
    root = settings.learning.dir or Path(platformdirs.user_data_dir("papersift")) / "profiles"
    return FileProfileStore(root)


def features_for(ranker: Ranker) -> Features:
    """The feature set that matches an interests-similarity ranker."""
    from papersift.rank.features import EmbeddingFeatures

    encoder = getattr(ranker, "encoder", None)
    if encoder is not None and hasattr(ranker, "embed"):
        return EmbeddingFeatures(ranker)  # type: ignore[arg-type]
    return HashedTextFeatures()


def learned_ranker(
    base: Ranker, store: ProfileStore, profile: str, settings: LearningSettings
) -> Ranker:
    """The learned ranker when the profile has a usable model; otherwise ``base`` unchanged."""
    if not settings.enabled:
        return base
    blob = store.load_model(profile)
    if blob is None:
        return base
    model = LinearModel.from_blob(blob)
    ranker = LearnedRanker(features_for(base), model)
    if ranker.weight <= 0:
        return base
    logger.info("Ranking with the learned model (blend weight %.2f)", ranker.weight)
    return ranker


def refit(
    store: ProfileStore,
    profile: str,
    interests: Interests,
    features: Features,
    settings: LearningSettings,
    today: dt.date | None = None,
) -> LinearModel | None:
    """Fit the profile's model on everything it has, measure it, and keep it in the store."""
    today = today or dt.date.today()
    examples = store.load_examples(profile)
    ratings = store.load_ratings(profile)
    training = build_training_set(examples, ratings, settings, today)
    model = fit_model(features, interests, training, settings)
    if model is None:
        logger.info("Not enough history to fit a model for profile %r yet.", profile)
        return None
    model.meta["quality"] = measure_quality(examples, ratings, interests, features, settings)
    model.meta["fitted"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    store.save_model(profile, model.to_blob())
    return model


def learn_from_digest(
    store: ProfileStore,
    digest: Digest,
    interests: Interests,
    features: Features,
    settings: LearningSettings,
) -> LinearModel | None:
    """Keep a judged digest's verdicts as examples and refit; nothing when none was judged."""
    examples = examples_from_digest(digest)
    if not examples:
        return None
    store.save_examples(digest.profile, examples)
    return refit(store, digest.profile, interests, features, settings, digest.date)


def measure_quality(
    examples: list[Example],
    ratings: list[Rating],
    interests: Interests,
    features: Features,
    settings: LearningSettings,
) -> dict[str, Any] | None:
    """Recall within the top quarter on the latest judged days, fitted on the days before them.

    Returns ``None`` when there are too few judged days to hold some out.
    """
    days = sorted({e.date for e in examples if e.origin == "judge"})
    held = max(1, math.floor(len(days) * HOLDOUT_SHARE))
    if len(days) < 2:
        return None
    cut = days[-held]
    training = build_training_set([e for e in examples if e.date < cut], ratings, settings, cut)
    model = fit_model(features, interests, training, settings)
    if model is None:
        return None
    learned, plain = LearnedRanker(features, model, 1.0), LearnedRanker(features)
    found = {"learned": 0, "interests_only": 0}
    positives = 0
    for day in days[-held:]:
        day_examples = [e for e in examples if e.date == day and e.origin == "judge"]
        papers = [e.paper for e in day_examples]
        wanted = {
            e.paper.id for e in day_examples if (e.relevance or 0) >= settings.positive_relevance
        }
        positives += len(wanted)
        for name, ranker in (("learned", learned), ("interests_only", plain)):
            scores = sorted(ranker.rank(papers, interests), key=lambda s: -s.score)
            top = {s.paper_id for s in scores[: math.ceil(0.25 * len(scores))]}
            found[name] += len(wanted & top)
    if not positives:
        return None
    return {
        "held_out_days": held,
        "positives": positives,
        "recall_at_25": {name: count / positives for name, count in found.items()},
    }


@dataclass(slots=True)
class ProfileSummary:
    """What ``papersift profile show`` prints."""

    profile: str
    examples: int
    ratings: int
    meta: dict[str, Any] | None

    def lines(self) -> list[str]:
        """Human-readable lines."""
        out = [f"Profile {self.profile!r}: {self.examples} examples, {self.ratings} ratings."]
        if self.meta is None:
            out.append("No model fitted yet: ranking by interests similarity alone.")
            return out
        history = self.meta.get("history", {})
        out.append(
            f"Model ({self.meta.get('features')}) learned from {history.get('days', 0)} days "
            f"({history.get('first')} to {history.get('last')}), {history.get('papers', 0)} "
            f"papers, {history.get('positives', 0)} positives, {history.get('ratings', 0)} "
            f"ratings, {history.get('seeds', 0)} seeds; fitted {self.meta.get('fitted')}."
        )
        out.append(f"Blend weight of the model: {self.meta.get('weight', 0):.2f}.")
        quality = self.meta.get("quality")
        if quality:
            recall = quality["recall_at_25"]
            out.append(
                f"Measured on the last {quality['held_out_days']} day(s) "
                f"({quality['positives']} positives): recall within the top 25 % "
                f"{recall['learned']:.2f} learned, {recall['interests_only']:.2f} interests alone."
            )
        else:
            out.append("Quality not measured yet (too few judged days to hold some out).")
        return out


def summarise(store: ProfileStore, profile: str) -> ProfileSummary:
    """What the profile has learned from."""
    blob = store.load_model(profile)
    return ProfileSummary(
        profile,
        len(store.load_examples(profile)),
        len(store.load_ratings(profile)),
        blob.meta if blob else None,
    )
