"""The API (Atom) parser on the real API responses."""

from __future__ import annotations

import contextlib
import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from feeds import ARXIV, ATOM, shared_days

from papersift.errors import FeedError
from papersift.sources import parse_atom


def _atom_files(demo_day: Path, request: pytest.FixtureRequest) -> list[Path]:
    days = [demo_day]
    with contextlib.suppress(pytest.skip.Exception):
        days += shared_days(request.getfixturevalue("shared_data"))
    return [day / "api-query.atom.xml" for day in days]


def test_real_api_responses_parse(demo_day: Path, request: pytest.FixtureRequest) -> None:
    for path in _atom_files(demo_day, request):
        root = ET.parse(path).getroot()
        entries = root.findall(f"{ATOM}entry")
        listing = parse_atom(path.read_bytes(), str(path), ["cs.LG", "cs.AI"])
        assert listing.items == len(entries)
        assert len(listing.papers) == len(entries)
        assert listing.date == dt.date.fromisoformat(path.parent.name)
        for entry in entries:
            paper_id = entry.findtext(f"{ATOM}id", "").rsplit("/", 1)[-1].rsplit("v", 1)[0]
            paper = listing.papers[paper_id]
            primary = entry.find(f"{ARXIV}primary_category")
            assert primary is not None
            assert paper.primary == primary.get("term")
            assert paper.categories[0] == paper.primary
            comment = entry.findtext(f"{ARXIV}comment")
            assert (paper.comments is None) == (comment is None)
        types = {a.announce_type for a in listing.announcements}
        assert types <= {"new", "cross"}
        for announcement in listing.announcements:
            primary = listing.papers[announcement.paper_id].primary
            assert (announcement.announce_type == "new") == (primary in {"cs.LG", "cs.AI"})


def test_api_and_rss_agree_on_the_same_papers(demo_day: Path) -> None:
    from papersift.sources import parse_rss

    atom = parse_atom((demo_day / "api-query.atom.xml").read_bytes(), "api", ["cs.LG", "cs.AI"])
    rss = parse_rss((demo_day / "rss-cs.LG+cs.AI.xml").read_bytes(), "rss")
    assert set(atom.papers) == set(rss.papers)
    for paper_id, paper in rss.papers.items():
        other = atom.papers[paper_id]
        assert (other.title, other.version, other.authors) == (
            paper.title,
            paper.version,
            paper.authors,
        )
        assert set(other.categories) == set(paper.categories)


def test_api_error_entry_is_a_feed_error() -> None:
    data = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>ArXiv Query: search_query=&amp;id_list=1234.5678</title>
  <entry>
    <id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.5678</id>
    <title>Error</title>
    <summary>incorrect id format for 1234.5678</summary>
  </entry>
</feed>"""
    with pytest.raises(FeedError, match="incorrect id format for 1234.5678"):
        parse_atom(data, "api?id_list=1234.5678")
