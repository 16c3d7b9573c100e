"""Rerun the evaluation on the shared judged astro-ph days and print the figures the README quotes.

Usage: python bench/eval.py [--judged DIR] [--cache-dir DIR] [--out DIR]

Embeddings are cached in ``--cache-dir`` (by default ``out/embedding-cache``), so only the first
run spends the minutes it takes to embed the 3142 papers on two cores.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from papersift.evaluate import EvalOptions, evaluate_folder  # noqa: E402
from papersift.evaluate.report import summary_lines  # noqa: E402

JUDGED = ROOT.parent / "shared" / "data" / "judged" / "astro-ph"


def main() -> int:
    """Evaluate every ranker and the cascade, write the report, print the headline figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judged", type=Path, default=JUDGED)
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "out" / "embedding-cache")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "eval")
    args = parser.parse_args()
    if not args.judged.is_dir():
        print(f"No labelled days at {args.judged}; pass --judged DIR.", file=sys.stderr)
        return 2
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    names = ["tfidf", "bm25", "embedding", "hybrid"]
    outcome = evaluate_folder(
        args.judged,
        args.judged / "interests.md",
        names,
        EvalOptions(),
        args.out,
        args.cache_dir,
        cascade_of="hybrid",
    )
    for line in summary_lines(outcome.evaluation):
        print(line)
    usage = outcome.report.get("recorded_usage")
    if isinstance(usage, dict):
        print(
            f"token estimate check: judging every paper of {usage['days']} days is estimated at "
            f"{usage['estimated_full_tokens']:,} tokens; the recorded judge spent "
            f"{usage['recorded_tokens']:,}"
        )
    for path in outcome.files:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
