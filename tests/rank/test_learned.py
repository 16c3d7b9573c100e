"""The learned ranker: trained on real judged days, it finds more of the judge's picks later."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest

from papersift.config import LearningSettings
from papersift.interests import load_interests
from papersift.models import Paper
from papersift.profile import Example, FileProfileStore, ModelBlob, Rating
from papersift.rank.features import TextFeatures
from papersift.rank.learned import (
    History,
    LearnedRanker,
    LinearModel,
    blend_weight,
    build_training_set,
    fit_model,
)
from papersift.rank.tfidf import TfidfRanker
from papersift.sources.judged import LabelledDay, load_labelled_days
from papersift.store import Store
from papersift.store.profiles import SqliteProfileStore

SETTINGS = LearningSettings(min_days=1, min_positives=1, full_days=5, full_positives=20)


def _paper(paper_id: str, title: str = "A title") -> Paper:
    return Paper(paper_id, 1, title, ("A. Author",), "An abstract.", ("astro-ph.GA",))


def _examples(days: list[LabelledDay]) -> list[Example]:
    return [
        Example(paper, day.date, day.labels[paper.id].relevance, day.labels[paper.id].novelty)
        for day in days
        for paper in day.papers
        if paper.id in day.labels
    ]


def _recall(ranker: LearnedRanker, days: list[LabelledDay], interests: object) -> float:
    found = total = 0
    for day in days:
        scores = sorted(ranker.rank(day.papers, interests), key=lambda s: -s.score)  # type: ignore[arg-type]
        top = {s.paper_id for s in scores[: math.ceil(0.25 * len(scores))]}
        wanted = {pid for pid, label in day.labels.items() if (label.relevance or 0) >= 8}
        found += len(wanted & top)
        total += len(wanted)
    return found / total


@pytest.fixture
def astro(shared_data: Path) -> tuple[list[LabelledDay], object]:
    folder = shared_data / "judged" / "astro-ph"
    return load_labelled_days(folder)[:16], load_interests(folder / "interests.md")


def test_trained_on_earlier_days_it_beats_the_untrained_ranker(astro: tuple) -> None:
    days, interests = astro
    features = TextFeatures()
    training = build_training_set(_examples(days[:12]), [], SETTINGS, days[12].date)
    model = fit_model(features, training, SETTINGS)
    assert model is not None
    assert training.history.days == 12 and training.history.positives > 50

    learned = _recall(LearnedRanker(TfidfRanker(), features, model, 0.9), days[12:], interests)
    untrained = _recall(LearnedRanker(TfidfRanker(), features), days[12:], interests)
    assert learned > untrained + 0.05, (learned, untrained)


def test_untrained_is_exactly_the_base_ranker(astro: tuple) -> None:
    days, interests = astro
    papers = days[0].papers
    ranker = LearnedRanker(TfidfRanker(), TextFeatures())
    assert ranker.rank(papers, interests) == TfidfRanker().rank(papers, interests)
    assert ranker.name == TfidfRanker().name


def test_a_stored_model_scores_as_it_did_when_fitted(astro: tuple) -> None:
    days, _ = astro
    training = build_training_set(_examples(days[:6]), [], SETTINGS, days[6].date)
    features = TextFeatures()
    model = fit_model(features, training, SETTINGS)
    assert model is not None and model.state["terms"].size > 1000
    again = LinearModel.from_blob(model.to_blob())
    papers = days[7].papers
    assert np.allclose(again.decision(features, papers), model.decision(features, papers))
    # The feature set handed in stays unfitted: the vocabulary travels with the model only.
    assert features.vectors(papers).shape == (len(papers), 0)
    unseen = Paper("2604.99999", 1, "Zzyzx qwv", ("A. Author",), "Plmbr xqj.", ("astro-ph.GA",))
    assert again.decision(features, [unseen])[0] == pytest.approx(model.intercept)


def test_a_rating_outranks_the_judge() -> None:
    day = dt.date(2026, 3, 2)
    examples = [Example(_paper("2603.00001"), day, 2.0), Example(_paper("2603.00002"), day, 9.0)]
    ratings = [
        Rating("2603.00001", "like", dt.datetime(2026, 3, 3, tzinfo=dt.UTC), "", examples[0].paper),
        Rating(
            "2603.00002", "dislike", dt.datetime(2026, 3, 3, tzinfo=dt.UTC), "", examples[1].paper
        ),
    ]
    training = build_training_set(examples, ratings, SETTINGS, day)
    labels = {p.id: label for p, label in zip(training.papers, training.labels, strict=True)}
    assert labels == {"2603.00001": 1, "2603.00002": 0}
    assert training.weights == [SETTINGS.rating_weight * 0.5 ** (1 / 90)] * 2 or all(
        w == pytest.approx(SETTINGS.rating_weight, rel=0.01) for w in training.weights
    )


def test_old_evidence_weighs_less_by_the_half_life() -> None:
    settings = LearningSettings(half_life_days=30)
    today = dt.date(2026, 4, 1)
    examples = [
        Example(_paper("2603.00001"), today - dt.timedelta(days=30), 9.0),
        Example(_paper("2603.00002"), today, 9.0),
    ]
    training = build_training_set(examples, [], settings, today)
    assert training.weights == [pytest.approx(0.5), pytest.approx(1.0)]


def test_the_blend_weight_grows_with_history() -> None:
    settings = LearningSettings(min_days=3, min_positives=5, full_days=10, full_positives=40)
    assert blend_weight(History(), settings) == 0.0
    assert blend_weight(History(days=2, positives=30), settings) == 0.0
    assert blend_weight(History(days=5, positives=4), settings) == 0.0
    low = blend_weight(History(days=5, positives=20), settings)
    high = blend_weight(History(days=8, positives=35), settings)
    assert 0 < low < high < settings.max_weight
    assert blend_weight(History(days=30, positives=200), settings) == settings.max_weight


def test_a_ranker_refuses_a_model_of_other_features() -> None:
    model = LinearModel("embedding:other", np.ones(5, dtype=np.float32), 0.0, {}, {"weight": 0.9})
    ranker = LearnedRanker(TfidfRanker(), TextFeatures(), model)
    assert ranker.model is None and ranker.weight == 0.0


@pytest.fixture(params=["files", "sqlite"])
def profile_store(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "files":
        yield FileProfileStore(tmp_path / "profiles")
        return
    with Store.open(tmp_path / "papersift.sqlite3") as store:
        yield SqliteProfileStore(store)


def test_profile_stores_keep_examples_ratings_and_the_model(profile_store) -> None:
    day = dt.date(2026, 3, 2)
    paper = _paper("2603.00001", "Dwarf <galaxies> & satellites")
    profile_store.save_examples("reader", [Example(paper, day, 9.0, 6.0)])
    profile_store.save_examples("reader", [Example(paper, day, 8.0, 6.0)])
    profile_store.save_examples(
        "reader", [Example(paper, day + dt.timedelta(1), None, None, "seed")]
    )
    examples = profile_store.load_examples("reader")
    assert [(e.paper, e.relevance, e.origin) for e in examples] == [
        (paper, 8.0, "judge"),
        (paper, None, "seed"),
    ]
    assert profile_store.load_examples("reader", before=day + dt.timedelta(1))[0].relevance == 8.0
    assert profile_store.load_examples("someone else") == []

    at = dt.datetime(2026, 3, 3, 9, 30, tzinfo=dt.UTC)
    profile_store.save_rating("reader", Rating("2603.00001", "save", at, "later", paper))
    profile_store.save_rating("reader", Rating("2603.99999", "dislike", at, "", None))
    ratings = profile_store.load_ratings("reader")
    assert [(r.paper_id, r.kind, r.note, r.paper) for r in ratings] == [
        ("2603.00001", "save", "later", paper),
        ("2603.99999", "dislike", "", None),
    ]

    assert profile_store.load_model("reader") is None
    state = {"terms": np.array(["dwarf", "satellite"]), "idf": np.array([1.5, 2.0], np.float32)}
    model = LinearModel("text-tfidf", np.arange(2, dtype=np.float32), -1.5, state, {"weight": 0.4})
    profile_store.save_model("reader", model.to_blob())
    again = LinearModel.from_blob(profile_store.load_model("reader"))
    assert again.features == "text-tfidf" and again.intercept == -1.5
    assert list(again.state["terms"]) == ["dwarf", "satellite"]
    assert np.array_equal(again.coef, model.coef) and again.meta["weight"] == 0.4


def test_a_foreign_blob_is_a_store_error() -> None:
    from papersift.errors import StoreError

    with pytest.raises(StoreError, match="format"):
        LinearModel.from_blob(ModelBlob(b"junk", {"format": "other"}))


def test_a_model_of_the_old_format_leaves_ranking_to_the_base_ranker(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from papersift.learning import learned_ranker

    store = FileProfileStore(tmp_path / "profiles")
    store.save_model("reader", ModelBlob(b"old", {"format": "papersift.learned/1", "weight": 0.9}))
    base = TfidfRanker()
    with caplog.at_level("WARNING"):
        assert learned_ranker(base, store, "reader", LearningSettings()) is base
    assert "papersift profile fit" in caplog.text


def test_the_cascade_narrows_once_the_learned_model_has_its_full_weight() -> None:
    from papersift.config import Settings
    from papersift.learning import cascade_settings

    settings = Settings.model_validate({"judge": {"share": 0.6, "learned_share": 0.4}})
    full = settings.learning.max_weight
    model = LinearModel("text-tfidf", np.ones(1, dtype=np.float32), 0.0, {}, {"weight": full})
    learned = LearnedRanker(TfidfRanker(), TextFeatures(), model)
    partial = LearnedRanker(TfidfRanker(), TextFeatures(), model, weight=full / 2)
    assert cascade_settings(settings, learned).share == 0.4
    assert cascade_settings(settings, partial).share == 0.6
    assert cascade_settings(settings, TfidfRanker()).share == 0.6
    every = Settings.model_validate({"judge": {"share": None}})
    assert cascade_settings(every, learned).share is None
    assert settings.judge.share == 0.6  # the settings themselves are left as they were
