"""Building the digest: order by score, top N, threshold, nothing scanned lost."""

from __future__ import annotations

import datetime as dt

from papersift.digest import DigestInputs, Selection, build_digest
from papersift.filters import FilterOutcome
from papersift.models import Paper, Score

DAY = dt.date(2026, 5, 26)


def _inputs(scores: list[float]) -> DigestInputs:
    papers = [
        Paper(f"2605.{i:05d}", 1, f"T{i}", ("A",), "x", ("cs.LG",)) for i in range(len(scores))
    ]
    ranked = {p.id: Score(p.id, s, "Topic") for p, s in zip(papers, scores, strict=True)}
    return DigestInputs(DAY, "p", papers, ranked, FilterOutcome(kept=papers), 99, "tfidf")


def test_top_n_in_score_order() -> None:
    digest = build_digest(_inputs([0.1, 0.7, 0.3, 0.9, 0.5]), Selection(top=3))
    assert [e.score for e in digest.entries] == [0.9, 0.7, 0.5]
    assert [e.score for e in digest.unselected] == [0.3, 0.1]
    assert digest.relevant_papers == 3 and digest.scanned_papers == 5 and digest.total_papers == 99
    assert digest.entries[0].comment == "Best match: Topic (local score 0.90)."


def test_threshold_cuts_within_the_top() -> None:
    digest = build_digest(_inputs([0.1, 0.7, 0.3, 0.9, 0.5]), Selection(top=4, threshold=0.6))
    assert [e.score for e in digest.entries] == [0.9, 0.7]
    assert len(digest.unselected) == 3


def test_ties_are_broken_by_id_so_runs_repeat() -> None:
    first = build_digest(_inputs([0.5, 0.5, 0.5]), Selection(top=2))
    assert [e.paper.id for e in first.entries] == ["2605.00000", "2605.00001"]
