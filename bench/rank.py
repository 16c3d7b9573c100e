"""Ranking throughput of the default ranker with every embedding cached, and its peak memory.

Usage: python bench/rank.py [--sizes 1000,10000] [--cache-dir DIR] [--judged DIR]

The papers are the shared judged astro-ph papers, repeated under new ids up to each size; their
vectors are put in a fresh cache first, so the time measured is the ranking itself (the cache
lookup, the topics' encoding, TF-IDF and the scoring), as on a day whose papers were embedded on
arrival. Peak memory is the process's resident high-water mark and the Python heap's peak (by
tracemalloc) during the ranking.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from papersift.config import RankerSettings  # noqa: E402
from papersift.interests import load_interests  # noqa: E402
from papersift.models import Paper  # noqa: E402
from papersift.rank import FileEmbeddingCache, make_ranker  # noqa: E402
from papersift.rank.embedding import EmbeddingRanker  # noqa: E402
from papersift.sources.judged import load_labelled_days  # noqa: E402

JUDGED = ROOT.parent / "shared" / "data" / "judged" / "astro-ph"


def papers_of_size(base: list[Paper], size: int) -> list[Paper]:
    """``size`` papers: ``base`` cycled, each repeat under an id of its own."""
    papers = []
    for index in range(size):
        paper = base[index % len(base)]
        copy = index // len(base)
        papers.append(dataclasses.replace(paper, id=f"{paper.id}-{copy}") if copy else paper)
    return papers


def embedding_part(ranker: object) -> EmbeddingRanker:
    """The embedding ranker inside the default ranker."""
    return ranker if isinstance(ranker, EmbeddingRanker) else ranker.embedding  # type: ignore[attr-defined,return-value]


def main() -> int:
    """Time the default ranker on each size and print papers per second and peak memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--judged", type=Path, default=JUDGED)
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "out" / "embedding-cache")
    args = parser.parse_args()
    if not args.judged.is_dir():
        print(f"No labelled days at {args.judged}; pass --judged DIR.", file=sys.stderr)
        return 2
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    base = [paper for day in load_labelled_days(args.judged) for paper in day.papers]
    interests = load_interests(args.judged / "interests.md")
    settings = RankerSettings()
    warm = make_ranker(settings, FileEmbeddingCache(args.cache_dir), args.cache_dir)
    encoder = embedding_part(warm).encoder
    vectors = embedding_part(warm).embed(base)
    print(f"default ranker: {warm.name} ({len(base)} distinct papers embedded or cached)")

    for size in (int(text) for text in args.sizes.split(",")):
        papers = papers_of_size(base, size)
        with tempfile.TemporaryDirectory() as folder:
            cache = FileEmbeddingCache(Path(folder))
            cache.save_embeddings(
                encoder.name,
                {(p.id, p.version): vectors[i % len(base)] for i, p in enumerate(papers)},
            )
            ranker = make_ranker(settings, FileEmbeddingCache(Path(folder)), Path(folder))
            started = time.perf_counter()
            ranker.rank(papers, interests)
            seconds = time.perf_counter() - started
            # tracemalloc slows Python code several times over, so the heap is measured apart.
            tracemalloc.start()
            ranker.rank(papers, interests)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        assert embedding_part(ranker).embedded == 0, "every vector should have come from the cache"
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{size:>6} papers: {seconds:6.2f} s, {size / seconds:8.0f} papers/s, "
            f"Python heap peak {peak / 2**20:6.1f} MiB, process peak RSS {rss:6.0f} MiB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
