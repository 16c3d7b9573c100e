"""The hybrid ranker's parts, and that it beats TF-IDF on real judged days."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from papersift.evaluate.evaluation import relevance_of
from papersift.evaluate.metrics import recall_at_budget
from papersift.interests import load_interests
from papersift.models import Paper
from papersift.rank.bm25 import Bm25Ranker, bm25_matrix, tokenize
from papersift.rank.hybrid import keyword_hits, standardise
from papersift.sources.judged import load_labelled_days


def _paper(pid: str, title: str, abstract: str = "") -> Paper:
    return Paper(pid, 1, title, (), abstract, ())


def test_standardise_makes_columns_comparable() -> None:
    similarity = np.array([[0.9, 0.10], [0.8, 0.30], [0.7, 0.20]], dtype=np.float32)
    z = standardise(similarity)
    assert np.allclose(z.mean(axis=0), 0, atol=1e-6)
    assert np.allclose(z.std(axis=0), 1, atol=1e-6)
    # Raw, paper 0 wins through the broad first topic; standardised, paper 1 stands out as much
    # for the second topic as paper 0 for the first.
    assert z[0, 0] == pytest.approx(z[1, 1])
    assert np.array_equal(standardise(np.ones((3, 1), dtype=np.float32)), np.zeros((3, 1)))


def test_keyword_hits_whole_words_and_abbreviations() -> None:
    papers = [
        _paper("1", "A tidal disruption event in a dwarf galaxy"),
        _paper("2", "TDE rates near the Galactic center"),
        _paper("3", "Barred spirals", "the bar is strong"),
        _paper("4", "Sidebar: barycentric corrections"),
    ]
    keywords = ["bar", "Galactic center", "tidal disruption event (TDE)"]
    assert keyword_hits(papers, keywords).tolist() == [1, 2, 1, 0]


def test_tokenize_folds_plurals_and_keeps_hyphenated_words() -> None:
    words = tokenize("The galaxies' mass-loading factors of dwarf galaxies")
    assert words.count("galaxy") == 2
    assert "mass-loading" in words and "loading" in words and "factor" in words
    assert "the" not in words


def test_bm25_prefers_the_rare_matching_word() -> None:
    documents = ["galaxy galaxy survey", "galaxy outflow mass-loading", "galaxy cluster lensing"]
    scores = bm25_matrix(documents, ["mass-loading of galaxy outflows"])[:, 0]
    assert scores.argmax() == 1
    assert scores[0] < scores[1] and scores[2] < scores[1]


def test_bm25_ranker_names_the_best_topic(tmp_path: Path) -> None:
    interests_file = tmp_path / "interests.md"
    interests_file.write_text(
        "## Topics\n1. Stellar models\n   - Relevant: stellar evolution tracks\n"
        "2. Galaxy outflows\n   - Relevant: mass-loading factors of winds\n"
    )
    interests = load_interests(interests_file)
    papers = [_paper("a", "New stellar evolution tracks"), _paper("b", "Winds and mass-loading")]
    scores = Bm25Ranker().rank(papers, interests)
    assert [s.topic for s in scores] == ["Stellar models", "Galaxy outflows"]


@pytest.mark.slow
def test_default_ranker_beats_tfidf_on_shared_days(shared_data: Path, tmp_path: Path) -> None:
    from papersift.config import RankerSettings
    from papersift.rank import FileEmbeddingCache, make_ranker
    from papersift.rank.tfidf import TfidfRanker

    folder = shared_data / "judged" / "astro-ph"
    days = load_labelled_days(folder)[30:34]
    interests = load_interests(folder / "interests.md")
    default = make_ranker(RankerSettings(), FileEmbeddingCache(tmp_path), tmp_path)
    assert default.name.startswith("hybrid:")

    def mean_recall(ranker: object) -> float:
        values = []
        for day in days:
            scores = [s.score for s in ranker.rank(day.papers, interests)]  # type: ignore[attr-defined]
            positive = [value >= 8 for value in relevance_of(day)]
            values.append(recall_at_budget(scores, positive, 0.25))
        return float(np.mean(values))

    hybrid, tfidf = mean_recall(default), mean_recall(TfidfRanker())
    assert hybrid > tfidf + 0.05, (hybrid, tfidf)
