"""Learning from the reader: the profile store, fitting the model, and the ranker that uses it.

This module wires the pieces together for the commands and the pipeline: after a judged day the
digest's judgments are kept as examples and the model is refitted; before ranking, the stored
model (if any, and if its history earns it a weight) is blended into the base ranker's score.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from papersift.archive import find_paper
from papersift.config import JudgeSettings, LearningSettings, Settings
from papersift.errors import ConfigError, FeedError, InputError, StoreError
from papersift.interests import Interests, load_interests
from papersift.models import Digest, Paper
from papersift.profile import (
    Example,
    FileProfileStore,
    ProfileStore,
    Rating,
    RatingKind,
    examples_from_digest,
    latest_ratings,
)
from papersift.rank.base import Ranker
from papersift.rank.features import Features, TextFeatures
from papersift.rank.learned import (
    PICK_RELEVANCE,
    History,
    LearnedRanker,
    LinearModel,
    build_training_set,
    fit_model,
)
from papersift.seed import (
    Parsed,
    SeedFormat,
    SeedResult,
    read_library,
    resolve,
    seed_examples,
)

if TYPE_CHECKING:
    from papersift.store import Store

logger = logging.getLogger(__name__)

HOLDOUT_SHARE = 0.2
"""The latest fifth of the judged days is held out to measure a fitted model's quality."""


def profile_store(settings: Settings, store: Store | None = None) -> ProfileStore:
    """Where the profile's history lives: files in ``[learning] dir`` if set, else the database.

    With an open ``store`` the database is used through it; otherwise it is opened per call.
    """
    from papersift.store.profiles import DatabaseProfileStore, SqliteProfileStore

    if settings.learning.dir is not None:
        return FileProfileStore(settings.learning.dir)
    if store is not None:
        return SqliteProfileStore(store)
    return DatabaseProfileStore(settings.store)


def features_for(settings: LearningSettings, base: Ranker) -> Features:
    """The feature set ``[learning] features`` names; embeddings come from ``base``'s encoder.

    Raises:
        ConfigError: embeddings are asked for but the ranker computes none.
    """
    from papersift.rank.features import EmbeddingFeatures

    if settings.features == "text":
        return TextFeatures()
    embedding = base if hasattr(base, "embed") else getattr(base, "embedding", None)
    if embedding is None or not hasattr(embedding, "encoder"):
        raise ConfigError(
            '[learning] features = "embedding" needs a ranker that computes embeddings; '
            f"the ranker is {base.name}.",
            'Set [ranker] kind = "hybrid" or "embedding", or [learning] features = "text".',
        )
    return EmbeddingFeatures(embedding)


def learned_ranker(
    base: Ranker, store: ProfileStore, profile: str, settings: LearningSettings
) -> Ranker:
    """The learned ranker when the profile has a usable model; otherwise ``base`` unchanged."""
    if not settings.enabled:
        return base
    blob = store.load_model(profile)
    if blob is None:
        return base
    try:
        model = LinearModel.from_blob(blob)
    except StoreError as exc:
        logger.warning("%s Ranking without it until it is refitted. %s", exc, exc.hint or "")
        return base
    ranker = LearnedRanker(base, features_for(settings, base), model)
    if ranker.weight <= 0:
        return base
    logger.info("Ranking with the learned model (blend weight %.2f)", ranker.weight)
    return ranker


def cascade_settings(settings: Settings, ranker: Ranker) -> JudgeSettings:
    """The judge's settings for a day ranked by ``ranker``: with a fully weighted learned model
    the cascade judges ``learned_share`` of the day when ``share`` is set and larger."""
    judge = settings.judge
    full = isinstance(ranker, LearnedRanker) and ranker.weight >= settings.learning.max_weight
    if not full or judge.learned_share is None:
        return judge
    if judge.share is None or judge.share <= judge.learned_share:
        return judge
    logger.info(
        "The learned ranker has its full weight: judging the top %.0f %%", 100 * judge.learned_share
    )
    return judge.model_copy(update={"share": judge.learned_share})


def refit(
    store: ProfileStore,
    profile: str,
    interests: Interests,
    base: Ranker,
    settings: LearningSettings,
    today: dt.date | None = None,
) -> LinearModel | None:
    """Fit the profile's model on everything it has, measure it, and keep it in the store."""
    today = today or dt.date.today()
    features = features_for(settings, base)
    examples = store.load_examples(profile)
    ratings = store.load_ratings(profile)
    training = build_training_set(examples, ratings, settings, today)
    model = fit_model(features, training, settings)
    if model is None:
        logger.info("Not enough history to fit a model for profile %r yet.", profile)
        return None
    model.meta["quality"] = measure_quality(examples, ratings, interests, base, features, settings)
    model.meta["fitted"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    store.save_model(profile, model.to_blob())
    return model


def learn_from_digest(
    store: ProfileStore,
    digest: Digest,
    interests: Interests,
    base: Ranker,
    settings: LearningSettings,
) -> LinearModel | None:
    """Keep a judged digest's verdicts as examples and refit; nothing when none was judged."""
    examples = examples_from_digest(digest)
    if not examples:
        return None
    store.save_examples(digest.profile, examples)
    return refit(store, digest.profile, interests, base, settings, digest.date)


def measure_quality(
    examples: list[Example],
    ratings: list[Rating],
    interests: Interests,
    base: Ranker,
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
    model = fit_model(features, training, settings, log_level=logging.DEBUG)
    if model is None:
        return None
    learned = LearnedRanker(base, features, model, settings.max_weight)
    found = {"learned": 0, "interests_only": 0}
    positives = 0
    for day in days[-held:]:
        day_examples = [e for e in examples if e.date == day and e.origin == "judge"]
        papers = [e.paper for e in day_examples]
        wanted = {e.paper.id for e in day_examples if (e.relevance or 0) >= PICK_RELEVANCE}
        positives += len(wanted)
        for name, ranker in (("learned", learned), ("interests_only", base)):
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
    """What ``papersift profile show`` prints: the history now, and the fitted model if any."""

    profile: str
    examples: int
    ratings: int
    """Rated papers, each counted once by its latest rating."""
    history: History
    """What a fit now would learn from."""
    missing: list[str]
    """What the history lacks before the model is fitted and weighted, e.g.
    ``positives 0 of min_positives 5``; empty when nothing is missing."""
    meta: dict[str, Any] | None
    """The fitted model's description, or ``None`` when none is fitted."""
    enabled: bool = True
    """``[learning] enabled``: whether the model is blended in and judged runs add history."""
    judging: bool | None = None
    """Whether a judge is configured; ``None`` when not known."""
    model_error: str | None = None
    """Why the stored model cannot be used, when it cannot."""

    @property
    def weight(self) -> float:
        """The blend weight the ranker gives the model now: the fitted model's, else 0."""
        if not self.enabled or self.model_error or not self.meta:
            return 0.0
        return float(self.meta.get("weight", 0.0))

    @property
    def quality(self) -> dict[str, Any] | None:
        """The fitted model's measured quality, when it was measured."""
        return (self.meta or {}).get("quality") or None

    def as_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready values, the same figures as :meth:`lines`."""
        return {
            "profile": self.profile,
            "examples": self.examples,
            "ratings": self.ratings,
            "history": self.history.as_dict(),
            "weight": round(self.weight, 4),
            "missing": list(self.missing),
            "fitted": self.meta is not None,
            "quality": self.quality,
            "model": self.meta,
            "enabled": self.enabled,
            "model_error": self.model_error,
        }

    def lines(self) -> list[str]:
        """Human-readable lines."""
        history = self.history
        span = f" ({history.first} to {history.last})" if history.first else ""
        out = [
            f"Profile {self.profile!r}: {_count(self.examples, 'example')}, "
            f"{_count(self.ratings, 'rating')}.",
            f"History: {_count(history.days, 'judged day')}{span}, "
            f"{_count(history.papers, 'paper')}, {_count(history.positives, 'positive')}, "
            f"{_count(history.ratings, 'rating')} trained on, {_count(history.seeds, 'seed')}.",
        ]
        if self.ratings > history.ratings:
            out.append(
                f"{self.ratings - history.ratings} rated paper(s) have no known text yet; they "
                "train once the paper is seeded (papersift seed --ids FILE) or judged in a run."
            )
        if self.judging is False:
            out.append(
                "No judge is configured ([judge] enabled = false): the model learns from judged "
                "runs, so until a judge runs it grows only from ratings and seeds."
            )
        if not self.enabled:
            out.append(
                "Learning is off ([learning] enabled = false): no model is blended in and runs "
                "add no history; ranking by the configured ranker alone."
            )
        else:
            out.append(f"Blend weight of the model: {self.weight:.2f}.")
        if self.missing:
            out.append(
                "Too little history for the model to count yet ([learning] minimums): "
                + "; ".join(self.missing)
                + "."
            )
        if self.model_error is not None:
            out.append(
                f"The stored model cannot be used: {self.model_error} Ranking by the configured "
                "ranker alone until it is refitted (papersift profile fit)."
            )
            return out
        if self.meta is None:
            out.append("No model fitted yet: ranking by the configured ranker alone.")
            return out
        fitted = self.meta.get("history", {})
        out.append(
            f"Model ({self.meta.get('features')}) fitted {self.meta.get('fitted')} on "
            f"{_count(fitted.get('papers', 0), 'paper')} from "
            f"{_count(fitted.get('days', 0), 'day')}."
        )
        out.append(_quality_line(self.quality))
        return out


def _quality_line(quality: dict[str, Any] | None) -> str:
    if not quality:
        return "Quality not measured yet (too few judged days to hold some out)."
    recall = quality["recall_at_25"]
    return (
        f"Measured on the last {quality['held_out_days']} day(s) "
        f"({quality['positives']} positives): recall within the top 25 % "
        f"{recall['learned']:.2f} learned, {recall['interests_only']:.2f} interests alone."
    )


def shortfall(history: History, settings: LearningSettings) -> list[str]:
    """What ``history`` lacks for a fit (both positives and negatives) and for a blend weight
    above zero (``min_days`` and ``min_positives``), one phrase each."""
    missing = []
    days = max(history.days, 1 if history.ratings or history.seeds else 0)
    if days < settings.min_days:
        counted = " (ratings and seeds count as one)" if days > history.days else ""
        missing.append(f"days {days}{counted} of min_days {settings.min_days}")
    if history.positives < settings.min_positives:
        missing.append(f"positives {history.positives} of min_positives {settings.min_positives}")
    if history.papers and history.positives == history.papers:
        missing.append("negatives 0 (the model needs papers that are not positives)")
    return missing


def summarise(
    store: ProfileStore,
    profile: str,
    settings: LearningSettings | None = None,
    *,
    judging: bool | None = None,
) -> ProfileSummary:
    """What the profile has learned from, what it still lacks, and its fitted model.

    ``judging`` tells whether a judge is configured, so the summary can say why nothing grows.
    """
    settings = settings or LearningSettings()
    examples = store.load_examples(profile)
    ratings = store.load_ratings(profile)
    history = build_training_set(examples, ratings, settings, dt.date.today()).history
    blob = store.load_model(profile)
    error = None
    if blob is not None and not blob.meta:
        error = "its description (features, format, history) is missing or unreadable."
    elif blob is not None:
        try:
            LinearModel.from_blob(blob)
        except StoreError as exc:
            error = exc.message
    return ProfileSummary(
        profile,
        len(examples),
        len(latest_ratings(ratings)),
        history,
        shortfall(history, settings),
        blob.meta if blob else None,
        enabled=settings.enabled,
        judging=judging,
        model_error=error,
    )


def _out_dir(settings: Settings) -> Path:
    return settings.output.dir


def record_rating(
    store: ProfileStore, settings: Settings, paper_id: str, kind: RatingKind, note: str = ""
) -> Rating:
    """Keep the reader's rating, with the paper's text from the digests, the database the runs
    wrote, or the profile's history, whichever knows it first."""
    paper = find_paper(_out_dir(settings), paper_id) or _paper_in_database(settings, paper_id)
    if paper is None:
        known = [e.paper for e in store.load_examples(settings.profile.name)]
        paper = next((p for p in reversed(known) if p.id == paper_id), None)
    rating = Rating(paper_id, kind, dt.datetime.now(dt.UTC), note, paper)
    store.save_rating(settings.profile.name, rating)
    logger.debug("Rated %s %s", paper_id, kind)
    return rating


def _paper_in_database(settings: Settings, paper_id: str) -> Paper | None:
    """The paper's latest text in the configured database, when the database exists."""
    from papersift.store import Store, default_path
    from papersift.store.profiles import find_paper as find_stored

    path = settings.store.path or default_path()
    if not path.is_file():
        return None
    try:
        with Store.open(path, readonly=True) as store:
            return find_stored(store, paper_id)
    except StoreError as exc:
        logger.warning("Looking %s up in the database failed: %s", paper_id, exc.message)
        return None


def _base_ranker(settings: Settings) -> Ranker:
    from papersift.rank import FileEmbeddingCache, make_ranker

    cache_dir = (
        settings.ranker.cache_dir or Path(platformdirs.user_cache_dir("papersift")) / "embeddings"
    )
    return make_ranker(settings.ranker, FileEmbeddingCache(cache_dir), cache_dir)


def fit_profile(settings: Settings) -> LinearModel | None:
    """Refit the configured profile's model with the configured ranker's features."""
    interests = load_interests(settings.profile.interests)
    return refit(
        profile_store(settings),
        settings.profile.name,
        interests,
        _base_ranker(settings),
        settings.learning,
    )


def seed_profile(settings: Settings, path: Path, kind: SeedFormat) -> SeedResult:
    """Import a library file as positive examples of the configured profile."""
    return seed_parsed(settings, read_library(path, kind))


def seed_zotero(settings: Settings) -> SeedResult:
    """Import the Zotero library of ``[zotero]`` as positive examples of the configured profile."""
    from papersift.seed_zotero import read_zotero

    return seed_parsed(settings, read_zotero(settings.zotero))


def seed_parsed(settings: Settings, parsed: Parsed) -> SeedResult:
    """Resolve a library's references through the arXiv API and store the papers as seeds."""
    from papersift._http import make_client
    from papersift.sources.api import ApiSource

    sources = settings.sources
    with make_client(sources.timeout, sources.retries) as client:
        api = ApiSource(client, sources.api_url, sources.categories, sources.api_delay)
        try:
            result = resolve(parsed, api)
        except FeedError as exc:
            raise FeedError(
                exc.message,
                "Nothing was imported. Check the network and [sources] api_url, then run "
                "papersift seed again.",
                source=exc.source,
            ) from None
    store = profile_store(settings)
    store.save_examples(settings.profile.name, seed_examples(result.papers, dt.date.today()))
    return result


def evaluate_learning(
    settings: Settings,
    folder: Path,
    interests_path: Path | None,
    features_kind: str | None,
    cache_dir: Path | None,
    out_dir: Path,
    cascade_share: float,
    closed_loop: bool = False,
) -> tuple[list[str], list[Path]]:
    """Replay the labelled days of ``folder``; returns the report's lines and the files written."""
    from papersift.evaluate_learning import (
        REPLAY_START,
        plot_recall,
        replay_learning,
        report_lines,
        report_to_dict,
    )
    from papersift.judge.estimate import TokenEstimate
    from papersift.sources.judged import load_labelled_days, load_recorded_usage

    days = load_labelled_days(folder)
    _check_replay_days(folder, len(days), REPLAY_START)
    interests = load_interests(interests_path or folder / "interests.md")
    if cache_dir is not None:
        settings.ranker.cache_dir = cache_dir
    if features_kind is not None:
        settings.learning.features = features_kind  # type: ignore[assignment]
    base = _base_ranker(settings)
    report = replay_learning(
        days,
        interests,
        base,
        features_for(settings.learning, base),
        settings.learning,
        tokens=TokenEstimate(interests.text, settings.judge),
        recorded=load_recorded_usage(folder),
        cascade_share=cascade_share,
        closed_loop=closed_loop,
    )
    windows = (
        [(report.start + 1, len(days)), (21, len(days))]
        if len(days) >= 21
        else [(report.start + 1, len(days))]
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "learning.json"
    json_path.write_text(json.dumps(report_to_dict(report, windows), indent=2) + "\n")
    png_path = plot_recall(report, out_dir / "learning-recall.png")
    return report_lines(report, windows), [json_path, png_path]


def _check_replay_days(folder: Path, days: int, start: int) -> None:
    """Refuse a replay with no day to rank: it trains on ``start`` days before the first."""
    if days <= start:
        raise InputError(
            f"{str(folder)!r} holds {days} labelled day(s); the replay trains on the first "
            f"{start} and ranks from day {start + 1} on, so it needs at least {start + 1}.",
            "Add more labelled days (YYYY-MM-DD.jsonl) to the folder.",
        )


def _count(number: int, noun: str) -> str:
    """``number`` with ``noun``, plural unless it is one."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
