"""The TF-IDF ranker and the choice of ranker from the settings."""

from __future__ import annotations

from pathlib import Path

from papersift.config import RankerSettings
from papersift.interests import load_interests
from papersift.rank import make_ranker
from papersift.rank.tfidf import TfidfRanker
from papersift.sources import load_listing_files


def test_make_ranker_tfidf(tmp_path: Path) -> None:
    ranker = make_ranker(RankerSettings(kind="tfidf"), None, tmp_path)
    assert isinstance(ranker, TfidfRanker) and ranker.name == "tfidf"


def test_tfidf_on_the_real_day(demo_day: Path, starter_interests: Path) -> None:
    listing = load_listing_files(demo_day / "rss-cs.LG+cs.AI.xml")
    papers = list(listing.papers.values())
    interests = load_interests(starter_interests)
    done: list[int] = []
    scores = TfidfRanker().rank(papers, interests, done.append)
    assert sum(done) == len(papers) == len(scores)
    by_id = {s.paper_id: s for s in scores}
    reasoning = [p for p in papers if "Reasoning" in p.title]
    assert len(reasoning) >= 5
    hits = [p for p in reasoning if by_id[p.id].topic.startswith("Reasoning and planning")]
    assert len(hits) >= 0.7 * len(reasoning)
    assert all(0.0 <= s.score <= 1.0 for s in scores)
    assert TfidfRanker().rank([], interests) == []
