"""``papersift run --from-file`` on real days: the digest agrees with the feeds and with itself.

The bundled day always runs, with the real embedding ranker; the three shared days run with the
TF-IDF ranker when the shared data is beside the checkout.
"""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from papersift._names import same_author
from papersift.cli import main
from papersift.interests import load_interests
from papersift.sources import load_listing_files

ROOT = Path(__file__).resolve().parent.parent
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"

sys.path.insert(0, str(ROOT / "tests" / "render"))
from digests import sections  # noqa: E402


def _feed_truth(day: Path) -> tuple[int, dict[str, str], Counter[str], dict[str, set[str]]]:
    """Items, each distinct paper's title, the RSS announce types, each paper's types."""
    items, titles, types, by_paper = 0, {}, Counter(), {}
    for path in sorted(day.glob("*.xml")):
        root = ET.parse(path).getroot()
        if root.tag == "rss":
            for item in root.iter("item"):
                items += 1
                paper_id = item.findtext("guid", "").split(":")[-1].rsplit("v", 1)[0]
                titles[paper_id] = " ".join(item.findtext("title", "").split())
                kind = item.findtext(f"{ARXIV}announce_type", "")
                types[kind] += 1
                by_paper.setdefault(paper_id, set()).add(kind)
        else:
            for entry in root.iter(f"{ATOM}entry"):
                items += 1
                paper_id = entry.findtext(f"{ATOM}id", "").rsplit("/", 1)[-1].rsplit("v", 1)[0]
                titles[paper_id] = " ".join(entry.findtext(f"{ATOM}title", "").split())
    return items, titles, types, by_paper


SHARED_FEEDS = ROOT.parent / "shared" / "data" / "feeds"
SHARED_DAYS = (
    sorted(p.name for p in SHARED_FEEDS.iterdir() if p.is_dir()) if SHARED_FEEDS.is_dir() else []
)


def _config(tmp_path: Path, ranker: str) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "papersift.toml"
    path.write_text(
        f'[profile]\ninterests = "{ROOT / "examples/interests.md"}"\n'
        f'[sources]\ncategories = ["cs.LG", "cs.AI"]\n'
        f'[ranker]\nkind = "{ranker}"\ntop = 12\ncache_dir = "cache"\n'
    )
    return path


def _plain(text: str) -> str:
    return re.sub(r"[*_\\`]", "", text)


def _check_day(day: Path, ranker: str, tmp_path: Path) -> None:
    config = _config(tmp_path, ranker)
    result = CliRunner().invoke(
        main, ["-q", "run", "--config", str(config), "--from-file", str(day)]
    )
    assert result.exit_code == 0, result.output
    date = day.name
    month = date[:7]
    out = tmp_path / "out"
    markdown = (out / month / f"{date}.md").read_text()
    data = json.loads((out / month / f"{date}.json").read_text())
    assert (out / "latest.md").read_text() == markdown
    assert result.stdout.strip() == f"Digest written to {out / month / f'{date}.md'}"

    items, titles, types, by_paper = _feed_truth(day)
    assert items > len(titles)  # the folder repeats papers across its feeds
    listing = load_listing_files(day, ["cs.LG", "cs.AI"])
    assert listing.items == items and len(listing.papers) == len(titles)
    assert Counter(a.announce_type for a in listing.announcements if "rss-" in a.source) == types
    assert data["date"] == date
    assert data["totals"]["arxiv_papers"] == len(titles)
    assert set(types) == {"new", "cross"}
    assert data["totals"]["scanned_papers"] == len(titles)  # new and cross are kept by default
    assert data["totals"]["relevant_papers"] == len(data["papers"]) == 12
    every = data["papers"] + data["unselected"]
    assert sorted(p["id"] for p in every) == sorted(titles)
    for paper in every:
        assert paper["title"] == titles[paper["id"]]
        expected = "new" if "new" in by_paper[paper["id"]] else "cross"
        assert paper["announce_type"] == expected

    watched = load_interests(ROOT / "examples/interests.md").authors
    keys = [
        (not any(same_author(w, a) for w in watched for a in p["authors"]), -p["score"])
        for p in data["papers"]
    ]
    assert keys == sorted(keys)
    assert data["papers"][-1]["score"] >= max(p["score"] for p in data["unselected"])
    assert data["ranker"].startswith(ranker)

    found = sections(markdown)
    assert [s.arxiv_id for s in found] == [p["id"] for p in data["papers"]]
    assert [_plain(s.title_text) for s in found] == [_plain(p["title"]) for p in data["papers"]]
    assert [s.authors for s in found] == [", ".join(p["authors"]) for p in data["papers"]]
    for label, key in [
        ("arXiv", "arxiv_papers"),
        ("scanned", "scanned_papers"),
        ("relevant", "relevant_papers"),
    ]:
        assert f"Total {label} papers: {data['totals'][key]}\n" in markdown
    assert markdown.startswith(f"# Personalized Daily ArXiv Papers {date}\n")


@pytest.mark.slow
def test_bundled_day_with_the_embedding_ranker(minilm, tmp_path: Path) -> None:
    _check_day(ROOT / "examples/2026-05-26", "embedding", tmp_path)


@pytest.mark.parametrize("name", SHARED_DAYS or ["(no shared data)"])
def test_shared_day_with_the_tfidf_ranker(name: str, shared_data: Path, tmp_path: Path) -> None:
    _check_day(shared_data / "feeds" / name, "tfidf", tmp_path)
