"""A year of history in the store, then one day's rerun against it.

250 listing days of 1,000 papers each are inserted the way runs insert them: the listing, the
embeddings in batches of 64 (one committed transaction each, as the ranker saves them), the
judgments of the top tenth, the run and a digest of 20 papers. The papers carry synthetic ids on
real titles and abstracts (the bundled demo day and, when present, the shared feeds); the vectors
are random unit vectors of MiniLM's 384 dimensions, since embedding 250,000 texts would take
hours and the store only sees bytes. Then the last day is run again through the same store
calls a rerun makes, all answered from the database, and the time spent is reported.

Usage: python bench/store.py [--days 250] [--papers 1000] [--db PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from papersift import calendar  # noqa: E402
from papersift.models import Announcement, Digest, DigestEntry, Judgment, Listing, Paper  # noqa: E402
from papersift.sources import load_listing_files  # noqa: E402
from papersift.store import RunCounts, Store  # noqa: E402

DIMENSIONS = 384
BATCH = 64
JUDGED_SHARE = 10
SHOWN = 20


def real_texts() -> list[Paper]:
    """Real papers from the demo day and the shared feeds, each once."""
    folders = [ROOT / "examples" / "2026-05-26"]
    shared = ROOT.parent / "shared" / "data" / "feeds"
    if shared.is_dir():
        folders += sorted(p for p in shared.iterdir() if p.is_dir())
    papers: dict[str, Paper] = {}
    for folder in folders:
        for name in ("rss-cs.LG+cs.AI.xml", "api-query.atom.xml"):
            if (folder / name).exists():
                papers.update(load_listing_files(folder / name).papers)
    return list(papers.values())


def day_listing(day_index: int, day: dt.date, texts: list[Paper], size: int) -> Listing:
    """One day's listing of ``size`` papers with synthetic ids on real texts."""
    listing = Listing(date=day, sources=["bench"])
    month = day_index // 50 + 1
    for i in range(size):
        base = texts[(day_index * size + i) % len(texts)]
        paper_id = f"25{month:02d}.{(day_index % 50) * size + i:05d}"
        paper = Paper(
            paper_id, 1, base.title, base.authors, base.abstract, base.categories, base.comments
        )
        listing.papers[paper_id] = paper
        kind = "new" if i % 3 else "cross"
        listing.announcements.append(Announcement(paper_id, day, "cs.LG", kind, "bench", 1))
    listing.items = size
    return listing


def vectors_for(keys: list[tuple[str, int | None]], rng: np.random.Generator) -> dict:
    matrix = rng.standard_normal((len(keys), DIMENSIONS), dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return {key: matrix[row] for row, key in enumerate(keys)}


def judgments_for(papers: list[Paper]) -> list[Judgment]:
    return [
        Judgment(
            p.id, p.version, "gpt-bench", "prompt0", 5.0, 4.0, "Bench.", (), 300, 60, 0.0002, 800
        )
        for p in papers
    ]


def digest_for(listing: Listing, papers: list[Paper], backfilled: bool = False) -> Digest:
    entries = [
        DigestEntry(paper=p, score=0.5, topic=None, comment="", announce_type="new")
        for p in papers[:SHOWN]
    ]
    assert listing.date is not None
    return Digest(
        listing.date,
        "bench",
        entries,
        len(listing.papers),
        len(listing.papers),
        backfilled=backfilled,
    )


def run_once(store: Store, listing: Listing, rng: np.random.Generator) -> dict[str, float]:
    """The store calls of one run; vectors and judgments are computed only where missing."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    assert listing.date is not None
    run_id = store.start_run(listing.date, "bench", "config0")
    store.save_listing(listing)
    papers = list(listing.papers.values())
    shown = store.shown_before("bench", listing.date, listing.papers)
    papers = [p for p in papers if p.id not in shown]
    keys = [(p.id, p.version) for p in papers]
    found = store.load_embeddings("minilm", keys)
    missing = [key for key in keys if key not in found]
    for start in range(0, len(missing), BATCH):
        store.save_embeddings("minilm", vectors_for(missing[start : start + BATCH], rng))
    top = papers[: len(papers) // JUDGED_SHARE]
    cached = store.load_judgments("gpt-bench", "prompt0", [(p.id, p.version) for p in top])
    store.save_judgments(judgments_for([p for p in top if (p.id, p.version) not in cached]))
    store.save_digest(digest_for(listing, top), run_id)
    store.finish_run(run_id, "ok", RunCounts(date=listing.date, papers=len(papers), selected=SHOWN))
    timings["total"] = time.perf_counter() - started
    timings["embedded"] = len(missing)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=250)
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--db", type=Path, help="Where to build the database (default: a temp dir)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    texts = real_texts()
    days = list(calendar.listing_days(dt.date(2025, 6, 2), dt.date(2026, 12, 31)))[: args.days]
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or Path(folder) / "bench.sqlite3"
        path.unlink(missing_ok=True)
        listings = [day_listing(i, day, texts, args.papers) for i, day in enumerate(days)]
        with Store.open(path) as store:
            started = time.perf_counter()
            for listing in listings:
                run_once(store, listing, rng)
            year = time.perf_counter() - started
            store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            counts = store.counts()
        size = path.stat().st_size

        opened = time.perf_counter()
        with Store.open(path) as store:
            reopen = time.perf_counter() - opened
            rerun = run_once(store, listings[-1], rng)
        papers = len(days) * args.papers
        print(f"Real texts used: {len(texts)} (cycled under synthetic ids)")
        print(f"Year inserted: {len(days)} days x {args.papers} papers in {year:.1f} s")
        print(f"  throughput: {papers / year:,.0f} papers/s (with listing, vector, run, digest)")
        print(f"  rows: {', '.join(f'{k} {v:,}' for k, v in counts.items())}")
        print(f"Database size: {size / 1e6:,.0f} MB ({size / papers:,.0f} bytes per paper)")
        print(
            f"Rerun of {listings[-1].date}: {rerun['total'] * 1000:.0f} ms in the database, "
            f"{int(rerun['embedded'])} vectors computed; opening took {reopen * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
