"""``digest.json``: versioned, documented field by field, and in agreement with the Markdown."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from digests import sections

from papersift.models import Digest, DigestEntry, Paper, Usage
from papersift.render import digest_to_dict, render_json, render_markdown
from papersift.render.json import SCHEMA

README = Path(__file__).resolve().parents[2] / "README.md"


def _digest() -> Digest:
    def entry(number: int, **extra) -> DigestEntry:
        paper = Paper(
            f"2605.{number:05d}",
            2,
            f"Title $x_{number}$",
            ("A. B", "C. D"),
            "Abs.",
            ("cs.LG", "cs.AI"),
            comments="9 pages",
            primary_category="cs.LG",
        )
        return DigestEntry(paper, 0.9 - number / 10, "Topic", "Best match.", "cross", **extra)

    return Digest(
        date=dt.date(2026, 5, 26),
        profile="demo",
        entries=[
            entry(1, watched_authors=("A. B",)),
            entry(2, relevance=8.0, novelty=6.0, status="judged"),
        ],
        unselected=[entry(3)],
        total_papers=10,
        scanned_papers=3,
        usage=[Usage("gpt-x", 100, 20, cost=None)],
        notices=["Something happened."],
        ranker="tfidf",
    )


def test_schema_is_versioned_and_round_trips() -> None:
    data = json.loads(render_json(_digest()))
    assert data["schema"] == SCHEMA == "papersift.digest/1"
    assert data["date"] == "2026-05-26"
    assert data["totals"] == {"arxiv_papers": 10, "scanned_papers": 3, "relevant_papers": 2}
    assert [p["rank"] for p in data["papers"]] == [1, 2]
    assert data["unselected"][0]["rank"] is None
    first = data["papers"][0]
    assert first["id"] == "2605.00001" and first["version"] == 2
    assert first["watched_authors"] == ["A. B"] and first["title"] == "Title $x_1$"
    assert data["usage"][0]["cost_usd"] is None and data["usage"][0]["total_tokens"] == 120


def _documented() -> str:
    text = README.read_text()
    return text.split("## The digest.json schema", 1)[1].split("\n## ", 1)[0]


def test_every_field_is_documented_in_the_readme() -> None:
    documented = set(re.findall(r"`([a-z_]+)`", _documented()))
    data = digest_to_dict(_digest())
    keys = set(data) | set(data["totals"]) | set(data["usage"][0]) | set(data["papers"][0])
    missing = keys - documented
    assert not missing, f"undocumented digest.json fields: {sorted(missing)}"


def test_markdown_and_json_agree() -> None:
    digest = _digest()
    data = digest_to_dict(digest)
    found = sections(render_markdown(digest))
    assert [s.arxiv_id for s in found] == [p["id"] for p in data["papers"]]
    assert [s.title_text for s in found] == [p["title"] for p in data["papers"]]
    assert [s.href for s in found] == [p["abs_url"] for p in data["papers"]]
