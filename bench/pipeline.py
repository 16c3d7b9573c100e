"""Benchmark of the local pipeline: parse, filter and rank 1,000 and 10,000 papers.

The papers are the real ones of the bundled day (``examples/2026-05-26``), repeated under new
ids (``2699.00000`` on) in one RSS feed of the wanted size, so each stage reads real titles,
abstracts and author lists. Reported: papers per second for parsing, filtering, TF-IDF ranking
and embedding ranking, the cold (nothing cached) and cached embedding times, and peak memory.

The cached runs need the cache filled for every id. A repeated paper has the same text as its
original and so the same embedding: the vectors of the distinct papers are computed once and
saved under every new id, which is what a full cold run would have stored.

Run with ``make bench`` or ``python bench/pipeline.py [--sizes 1000,10000] [--cold 1000]``.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from papersift.config import FilterSettings  # noqa: E402
from papersift.filters import filter_listing  # noqa: E402
from papersift.interests import load_interests  # noqa: E402
from papersift.rank import FileEmbeddingCache  # noqa: E402
from papersift.rank.tfidf import TfidfRanker  # noqa: E402
from papersift.sources import parse_rss  # noqa: E402

DAY = ROOT / "examples/2026-05-26/rss-cs.LG+cs.AI.xml"
INTERESTS = ROOT / "examples/interests.md"
FOLLOWED = ["cs.LG", "cs.AI"]
FILTERS = FilterSettings(
    keywords_exclude=["medical imaging", r"traffic\s+forecast\w*", "recommender systems?"],
    authors=["Yoshua Bengio", "Mart\\'inez, J.", "K. Müller"],
)


def make_feed(size: int) -> bytes:
    """An RSS feed of ``size`` items: the bundled day's items, repeated under new ids."""
    text = DAY.read_text(encoding="utf-8")
    head, rest = text.split("<item>", 1)
    items = re.findall(r"<item>.*?</item>", "<item>" + rest, re.DOTALL)
    tail = text[text.rindex("</item>") + len("</item>") :]
    made = []
    for number in range(size):
        item = items[number % len(items)]
        made.append(re.sub(r"\d{4}\.\d{4,5}(?=v\d)", f"2699.{number:05d}", item))
    return (head + "\n".join(made) + tail).encode()


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    """The result of ``function`` and the seconds it took."""
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def heap_peak_mb(feed: bytes) -> float:
    """Peak Python heap of parsing and filtering ``feed`` again, traced (and so slower)."""
    tracemalloc.start()
    listing = parse_rss(feed, "bench")
    filter_listing(listing, FILTERS, FOLLOWED)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(rows: list[tuple[str, int, float]]) -> None:
    """Print a table of stage, papers, seconds and papers per second."""
    print(f"{'stage':<34} {'papers':>7} {'seconds':>9} {'papers/s':>10}")
    for stage, papers, seconds in rows:
        rate = papers / seconds if seconds > 0 else float("inf")
        print(f"{stage:<34} {papers:>7} {seconds:>9.3f} {rate:>10.0f}")


def bench_size(
    size: int, interests: Any, encoder: Any, cache_dir: Path
) -> list[tuple[str, int, float]]:
    """Parse, filter and rank ``size`` papers; the embedding ranker reads a filled cache."""
    rows = []
    feed = make_feed(size)
    listing, seconds = timed(lambda: parse_rss(feed, "bench"))
    rows.append(("parse RSS", size, seconds))
    assert len(listing.papers) == size
    outcome, seconds = timed(lambda: filter_listing(listing, FILTERS, FOLLOWED, interests.authors))
    rows.append(("filter", size, seconds))
    print(f"[{size}] Python heap peak while parsing and filtering: {heap_peak_mb(feed):.0f} MB")
    kept = outcome.kept
    _, seconds = timed(lambda: TfidfRanker().rank(kept, interests))
    rows.append(("rank, TF-IDF", len(kept), seconds))
    if encoder is not None:
        from papersift.rank.embedding import EmbeddingRanker

        fill_cache(encoder, kept, cache_dir)
        warm = EmbeddingRanker(encoder, FileEmbeddingCache(cache_dir))
        warm.topic_vectors([topic.query for topic in interests.topics])
        ranker = EmbeddingRanker(encoder, FileEmbeddingCache(cache_dir))
        _, seconds = timed(lambda: ranker.rank(kept, interests))
        assert ranker.embedded == 0, "the cache should hold every paper"
        rows.append(("rank, embedding (cached)", len(kept), seconds))
        rows.append(("parse + rank, cached (the target)", size, rows[0][2] + seconds))
        rows.append(("parse + filter + rank, cached", size, rows[0][2] + rows[1][2] + seconds))
    return rows


def fill_cache(encoder: Any, papers: list[Any], cache_dir: Path) -> None:
    """Save a vector for every paper, computing each distinct text once."""
    texts = sorted({paper.text for paper in papers})
    vectors = dict(zip(texts, encoder.encode(texts), strict=True))
    cache = FileEmbeddingCache(cache_dir)
    cache.save_embeddings(encoder.name, {(p.id, p.version): vectors[p.text] for p in papers})


def bench_cold(size: int, interests: Any, encoder: Any, cache_dir: Path) -> tuple[str, int, float]:
    """Embed ``size`` papers with an empty cache."""
    from papersift.rank.embedding import EmbeddingRanker

    listing = parse_rss(make_feed(size), "bench")
    papers = list(listing.papers.values())
    ranker = EmbeddingRanker(encoder, FileEmbeddingCache(cache_dir / "cold"))
    _, seconds = timed(lambda: ranker.rank(papers, interests))
    assert ranker.embedded == size
    return ("rank, embedding (cold)", size, seconds)


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="1000,10000", help="paper counts, comma-separated")
    parser.add_argument("--cold", type=int, default=1000, help="papers to embed cold (0: none)")
    parser.add_argument("--no-embedding", action="store_true", help="TF-IDF only")
    args = parser.parse_args()
    interests = load_interests(INTERESTS)

    encoder = None
    if not args.no_embedding:
        from papersift.rank.embedding import load_encoder

        encoder, seconds = timed(load_encoder)
        print(f"Embedding model loaded in {seconds:.1f} s")

    with tempfile.TemporaryDirectory(prefix="papersift-bench-") as folder:
        rows = []
        if encoder is not None and args.cold:
            rows.append(bench_cold(args.cold, interests, encoder, Path(folder)))
        for size in (int(s) for s in args.sizes.split(",")):
            rows += bench_size(size, interests, encoder, Path(folder) / str(size))
    report(rows)
    print(f"Peak resident memory: {peak_rss_mb():.0f} MB")
    print(f"Load average (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
