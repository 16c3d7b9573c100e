"""The replayed cascade: which papers the judge reads, what it keeps and what it would spend."""

from __future__ import annotations

import pytest

from papersift.evaluate.cascade import (
    PaperTokens,
    batch_tokens,
    paper_block,
    replay_cascade,
    token_counter,
)
from papersift.evaluate.rankers import ReplayedCascade
from papersift.interests import Interests, Topic
from papersift.models import Judgment, Paper, Score


def test_token_counter_counts_o200k_tokens() -> None:
    count = token_counter()
    assert count("") == 0
    assert count("hello world") == 2
    long = count("Dwarf galaxies quench early. " * 50)
    assert 300 <= long <= 400


def test_paper_block_cuts_long_abstracts() -> None:
    paper = Paper("2602.00001", 1, "A title", ("A. Author", "B. Author"), "x" * 5000, ())
    block = paper_block(paper)
    assert block.startswith("ArXiv ID: 2602.00001\nTitle: A title\nAuthors: A. Author, B. Author")
    assert block.count("x") == 4000


def test_batch_tokens_carries_the_static_part_once_per_batch() -> None:
    tokens = [PaperTokens(100, 10)] * 5
    assert batch_tokens(tokens, static=1000, batch_size=2) == (3 * 1000 + 500, 50)
    assert batch_tokens([], static=1000, batch_size=2) == (0, 0)


def test_replay_reads_the_top_share_and_keeps_its_positives() -> None:
    scores = [0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4]
    positive = [True, True, False, False, True, False, False, False]
    tokens = [PaperTokens(100, 10)] * 8
    day = replay_cascade(scores, positive, tokens, static=50, share=0.25, batch_size=4)
    # The top 2 are papers 0 and 2: one of the three positives.
    assert (day.judged, day.selected, day.full_selected) == (2, 1, 3)
    assert day.kept == pytest.approx(1 / 3)
    assert (day.prompt_tokens, day.completion_tokens) == (50 + 200, 20)
    assert day.full_tokens == 2 * 50 + 800 + 80
    assert day.saving == pytest.approx(1 - 270 / 980)
    everything = replay_cascade(scores, positive, tokens, static=50, share=1.0, batch_size=4)
    assert everything.kept == 1.0 and everything.saving == 0.0


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
