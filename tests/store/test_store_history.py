"""``papersift history``, ``show`` and ``export`` on a database with two digests."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from papersift.cli import main
from papersift.models import Digest, DigestEntry, Judgment
from papersift.sources import load_listing_files
from papersift.store import RunCounts, Store

DAY_ONE, DAY_TWO = dt.date(2026, 5, 26), dt.date(2026, 5, 27)


@pytest.fixture
def db(tmp_path: Path, demo_day: Path) -> Path:
    """Two digests of three papers each, the second day's judged (relevance 9, 6, 3)."""
    path = tmp_path / "papersift.sqlite3"
    listing = load_listing_files(demo_day / "rss-cs.LG+cs.AI.xml")
    ids = sorted(listing.papers)
    with Store.open(path) as store:
        store.save_listing(listing)
        for day, chosen, relevances in (
            (DAY_ONE, ids[:3], (None, None, None)),
            (DAY_TWO, ids[3:6], (9.0, 6.0, 3.0)),
        ):
            run = store.start_run(day, "p", "hash")
            entries = [
                DigestEntry(
                    paper=listing.papers[pid],
                    score=0.5 - n / 10,
                    topic=None,
                    comment="",
                    announce_type="new",
                    relevance=rel,
                )
                for n, (pid, rel) in enumerate(zip(chosen, relevances, strict=True))
            ]
            digest = Digest(day, "p", entries, total_papers=300, scanned_papers=250)
            store.save_digest(digest, run)
            usage = RunCounts(date=day, papers=300, scanned=250, selected=3)
            if day == DAY_TWO:
                usage = dataclasses.replace(usage, prompt_tokens=1000, completion_tokens=200)
                usage.cost = 0.0123
            store.finish_run(run, "ok", usage)
        store.save_judgments(
            [
                Judgment(
                    ids[3],
                    1,
                    "gpt-test",
                    "abc123456",
                    9.0,
                    7.0,
                    "On topic.",
                    (),
                    400,
                    80,
                    0.004,
                    900,
                )
            ]
        )
    return path


def invoke(db: Path, *args: str):
    result = CliRunner().invoke(main, ["--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_history_lists_runs_with_counts_tokens_and_cost(db: Path) -> None:
    lines = invoke(db, "history").splitlines()
    assert lines[0].split()[:3] == ["run", "date", "profile"]
    assert re.search(r"2026-05-27\s+p\s+ok\s+300\s+250\s+3\s+1200\s+\$0\.0123", lines[1])
    assert re.search(r"2026-05-26\s+p\s+ok\s+300\s+250\s+3\s+0\s+\$0\.0000", lines[2])


def test_show_tells_everything_known_about_a_paper(db: Path, demo_day: Path) -> None:
    paper_id = sorted(load_listing_files(demo_day / "rss-cs.LG+cs.AI.xml").papers)[3]
    text = invoke(db, "show", paper_id)
    assert paper_id in text.splitlines()[0]
    assert "gpt-test (prompt abc12345): relevance 9.0, novelty 7.0, 480 tokens" in text
    assert "2026-05-27  p  #1" in text
    known = json.loads(invoke(db, "show", f"arXiv:{paper_id}v1", "--json"))
    assert known["paper"]["id"] == paper_id
    assert known["digests"] == [
        {
            "date": "2026-05-27",
            "profile": "p",
            "position": 1,
            "version": 1,
            "score": 0.5,
            "relevance": 9.0,
            "novelty": None,
            "backfilled": False,
        }
    ]
    assert known["announcements"][0]["date"] == "2026-05-26"


def test_show_unknown_or_malformed_id(db: Path) -> None:
    unknown = CliRunner().invoke(main, ["--db", str(db), "show", "2101.00001"])
    assert unknown.exit_code == 2 and "is not in the database" in unknown.output
    malformed = CliRunner().invoke(main, ["--db", str(db), "show", "not-an-id"])
    assert malformed.exit_code == 2 and "is not an arXiv id" in malformed.output


def test_history_without_a_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "none.sqlite3"), "history"])
    assert result.exit_code == 2 and "No database at" in result.output
    assert not (tmp_path / "none.sqlite3").exists()


def test_export_jsonl_with_dates_and_min_relevance(db: Path) -> None:
    rows = [json.loads(line) for line in invoke(db, "export").splitlines()]
    assert [(r["date"], r["position"]) for r in rows] == [
        ("2026-05-26", 1),
        ("2026-05-26", 2),
        ("2026-05-26", 3),
        ("2026-05-27", 1),
        ("2026-05-27", 2),
        ("2026-05-27", 3),
    ]
    later = invoke(db, "export", "--from", "2026-05-27", "--to", "2026-05-27").splitlines()
    assert len(later) == 3
    relevant = [
        json.loads(line) for line in invoke(db, "export", "--min-relevance", "6").splitlines()
    ]
    assert [r["relevance"] for r in relevant] == [9.0, 6.0]


def test_export_csv_and_bibtex(db: Path, tmp_path: Path) -> None:
    table = list(csv.DictReader(io.StringIO(invoke(db, "export", "--format", "csv"))))
    assert len(table) == 6 and table[3]["relevance"] == "9.0"
    exported = json.loads(invoke(db, "export").splitlines()[0])
    assert table[0]["authors"] == "; ".join(exported["authors"])
    assert table[0]["id"] == exported["id"] and table[0]["date"] == "2026-05-26"

    target = tmp_path / "papers.bib"
    assert f"Exported 6 paper(s) to {target}" in invoke(
        db, "export", "--format", "bibtex", "-o", str(target)
    )
    bibtex = target.read_text()
    assert bibtex.count("@misc{arxiv:") == 6
    assert bibtex.count("{") == bibtex.count("}")
    first = bibtex.split("@misc")[1]
    assert "archivePrefix = {arXiv}" in first and "year = {2026}" in first
    assert re.search(r"eprint = \{\d{4}\.\d{5}v1\}", first)


def test_export_refuses_a_bad_date(db: Path) -> None:
    result = CliRunner().invoke(main, ["--db", str(db), "export", "--from", "May 26"])
    assert result.exit_code == 2 and "is not a date" in result.output


def test_show_says_when_a_paper_has_no_known_categories_or_version(tmp_path: Path) -> None:
    day = tmp_path / "2026-02-11.jsonl"
    record = {
        "arxiv_id": "2602.09308",
        "title": "Selecting galaxies",
        "authors": ["A. Author"],
        "abstract": "We select galaxies.",
        "judge": {"model": "m", "relevance": 9, "novelty": 8, "comment": "Fits."},
    }
    day.write_text(json.dumps(record) + "\n", encoding="utf-8")
    path = tmp_path / "papersift.sqlite3"
    with Store.open(path) as store:
        store.save_listing(load_listing_files(day))
    lines = invoke(path, "show", "2602.09308").splitlines()
    assert lines[2] == "Categories: none known   Versions: unknown"
