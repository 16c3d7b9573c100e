"""The replayed cascade: which papers the judge reads, what it keeps and what it would spend."""

from __future__ import annotations

import pytest

from papersift.evaluate.cascade import DayTokens, replay_cascade
from papersift.evaluate.rankers import ReplayedCascade
from papersift.interests import Interests, Topic
from papersift.judge.estimate import TokenEstimate
from papersift.models import Judgment, Paper, Score


def _papers(count: int) -> list[Paper]:
    return [
        Paper(f"2602.0000{i}", 1, f"Title {i}", ("A. Author",), f"Abstract {i}. " * 20, ())
        for i in range(count)
    ]


def test_day_tokens_count_what_the_judge_would_send() -> None:
    papers = _papers(8)
    comments = {p.id: "Matches the dwarf galaxy topic." for p in papers}
    estimate = TokenEstimate("Dwarf galaxies and their star formation histories.")
    tokens = DayTokens(papers, comments, estimate)
    assert tokens.of([]) == (0, 0)
    assert tokens.of([0, 3]) == estimate.split([papers[0], papers[3]], comments)
    assert tokens.full == estimate.tokens(papers, comments)
    # Every request carries the static part: two papers cost more than half of four.
    two, four = sum(tokens.of([0, 1])), sum(tokens.of([0, 1, 2, 3]))
    assert two > four / 2


def test_replay_reads_the_top_share_and_keeps_its_positives() -> None:
    scores = [0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4]
    positive = [True, True, False, False, True, False, False, False]
    papers = _papers(8)
    tokens = DayTokens(papers, {}, TokenEstimate("Dwarf galaxies."))
    day = replay_cascade(scores, positive, 0.25, tokens)
    # The top 2 are papers 0 and 2: one of the three positives.
    assert (day.judged, day.selected, day.full_selected) == (2, 1, 3)
    assert day.kept == pytest.approx(1 / 3)
    assert (day.prompt_tokens, day.completion_tokens) == tokens.of([0, 2])
    assert day.full_tokens == tokens.full
    assert day.saving == pytest.approx(1 - day.tokens / tokens.full)
    everything = replay_cascade(scores, positive, 1.0, tokens)
    assert everything.kept == 1.0 and everything.saving == pytest.approx(0.0)


def test_replayed_cascade_orders_the_judged_share_by_recorded_relevance() -> None:
    class Fixed:
        name = "fixed"

        def rank(self, papers, interests, progress=None):  # type: ignore[no-untyped-def]
            return [Score(p.id, float(len(papers) - i)) for i, p in enumerate(papers)]

    papers = [Paper(str(i), 1, f"t{i}", (), "", ()) for i in range(4)]
    labels = {
        p.id: Judgment(p.id, 1, "m", "h", relevance, 5, "")
        for p, relevance in zip(papers, [3, 9, 10, 10], strict=True)
    }
    interests = Interests(topics=[Topic(1, "t")])
    scores = ReplayedCascade(Fixed(), labels, share=0.5).rank(papers, interests)
    order = [s.paper_id for s in sorted(scores, key=lambda s: -s.score)]
    # The judge reads papers 0 and 1 and puts 1 first; 2 and 3 follow in the ranker's order,
    # however relevant the unread judgments say they are.
    assert order == ["1", "0", "2", "3"]
