"""Merging the listings of several feeds: each paper once, every category kept."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from papersift.models import Announcement, Listing, Paper
from papersift.sources import merge_listings

CATEGORIES = ["cs.LG", "cs.AI", "stat.ML", "cs.CL", "math.OC"]


def _paper(paper_id: str, categories: tuple[str, ...], version: int = 1) -> Paper:
    return Paper(paper_id, version, f"Title {paper_id}", ("A B",), "Abstract.", categories)


def _listing(papers: list[Paper], source: str) -> Listing:
    listing = Listing(date=dt.date(2026, 5, 26), sources=[source], items=len(papers))
    for paper in papers:
        listing.papers.setdefault(paper.id, paper)
        listing.announcements.append(
            Announcement(paper.id, dt.date(2026, 5, 26), paper.categories[0], "new", source)
        )
    return listing


def test_paper_in_two_feeds_keeps_both_categories_and_the_newer_version() -> None:
    first = _listing([_paper("2605.00001", ("cs.LG", "stat.ML"))], "cs.LG")
    second = _listing([_paper("2605.00001", ("cs.AI", "cs.LG"), version=2)], "cs.AI")
    merged = merge_listings([first, second])
    paper = merged.papers["2605.00001"]
    assert paper.categories == ("cs.LG", "stat.ML", "cs.AI")
    assert paper.version == 2
    assert merged.items == 2
    assert len(merged.papers) == 1
    assert [a.source for a in merged.announcements] == ["cs.LG", "cs.AI"]


feeds = st.lists(
    st.lists(
        st.tuples(
            st.integers(0, 30),
            st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True),
        ),
        max_size=20,
    ),
    min_size=1,
    max_size=4,
)


@given(feeds)
def test_merge_keeps_each_paper_once_with_every_category(spec: list) -> None:
    listings = [
        _listing(
            [_paper(f"2605.{number:05d}", tuple(cats)) for number, cats in feed], f"feed{index}"
        )
        for index, feed in enumerate(spec)
    ]
    merged = merge_listings(listings)
    expected: dict[str, set[str]] = {}
    for listing in listings:
        for paper in listing.papers.values():
            expected.setdefault(paper.id, set()).update(paper.categories)
    assert set(merged.papers) == set(expected)
    for paper_id, categories in expected.items():
        merged_categories = merged.papers[paper_id].categories
        assert set(merged_categories) == categories
        assert len(merged_categories) == len(categories)
    assert merged.items == sum(listing.items for listing in listings)
    assert len(merged.announcements) == sum(len(x.announcements) for x in listings)
