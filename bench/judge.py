"""The judge benchmark: tokens, calls, wall time and dollars on the judged astro-ph days.

Every day goes through the pipeline's select stage (filters, local ranker, cascade, judge,
digest) against the replay server on 127.0.0.1, which adds a fixed latency per call. For each
cascade share the figures are compared with the tokens the recorded assistant spent on the same
days (``manifest.json``) and with the selection of judging every paper. The default batching
(``economical``: as few batches as ``max_batch_size`` allows) is run at each share, and the
``spread`` batching (over the requests in flight) at every paper and at the last share, for
comparison. The sequential baseline sends the same calls one at a time (``concurrency = 1``) on
a few days and is extrapolated per call to all days, for both batchings.

    python bench/judge.py [--days 40] [--latency 1.5] [--ranker hybrid]
        [--shares 1,0.6,0.5,0.3,0.25]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any, get_args

from papersift.config import RankerSettings, Settings
from papersift.digest import DigestInputs, Selection
from papersift.filters import filter_listing
from papersift.interests import Interests, load_interests
from papersift.judge import MemoryJudgmentCache, build_judged_digest
from papersift.judge.stage import batch_size
from papersift.rank import FileEmbeddingCache, make_ranker
from papersift.sources.judged import LabelledDay, load_labelled_days
from papersift.testing.fake_openai import FakeOpenAI, ServerOptions, load_recorded

ROOT = Path(__file__).resolve().parent.parent
ASTRO = ROOT.parent / "shared" / "data" / "judged" / "astro-ph"
MIN_RELEVANCE = 7
MIN_NOVELTY = 5
RANKERS = get_args(RankerSettings.model_fields["kind"].annotation)
"""Every ranker kind ``make_ranker`` takes."""

logger = logging.getLogger("bench.judge")


class _Silent:
    def stage(self, name: str, total: int) -> Any:
        return nullcontext(lambda done: None)


def _settings(server: FakeOpenAI, ranker: str, **judge: Any) -> Settings:
    values = {
        "enabled": True,
        "model": "gpt-4.1",
        "base_url": server.base_url,
        "api_key": "bench",
        "min_relevance": MIN_RELEVANCE,
        "min_novelty": MIN_NOVELTY,
        **judge,
    }
    return Settings.model_validate({"ranker": {"kind": ranker, "top": 1000}, "judge": values})


def _inputs(day: LabelledDay, interests: Interests, ranker_kind: str) -> DigestInputs:
    """Filter and rank a day once; every configuration judges the same ranked papers."""
    settings = Settings.model_validate({"ranker": {"kind": ranker_kind, "top": 1000}})
    outcome = filter_listing(day.listing, settings.filters, [], interests.authors)
    cache_dir = ROOT / "out" / "bench-judge-embeddings"
    ranker = make_ranker(settings.ranker, FileEmbeddingCache(cache_dir), cache_dir)
    scores = {s.paper_id: s for s in ranker.rank(outcome.kept, interests, lambda done: None)}
    assert day.listing.date is not None
    return DigestInputs(
        date=day.listing.date,
        profile="bench",
        papers=outcome.kept,
        scores=scores,
        filters=outcome,
        total_papers=len(day.listing.papers),
        ranker=ranker.name,
        interests_text=interests.text,
    )


def _run(
    settings: Settings,
    inputs: DigestInputs,
    server: FakeOpenAI,
    cache: MemoryJudgmentCache,
) -> dict[str, Any]:
    """Judge one ranked day; the wall time is the judge stage's alone."""
    requests = server.stats.requests
    started = time.monotonic()
    digest = build_judged_digest(settings.judge, inputs, Selection(top=1000), cache, _Silent())
    wall = time.monotonic() - started
    usage = digest.usage[0]
    entries = [*digest.entries, *digest.unselected]
    return {
        "date": inputs.date.isoformat(),
        "papers": len(inputs.papers),
        "judged": sum(e.status == "judged" for e in entries),
        "selected": sorted(e.paper.id for e in digest.entries),
        "calls": server.stats.requests - requests,
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "cached_tokens": usage.cached_tokens,
        "cost": usage.cost or 0.0,
        "wall": wall,
    }


def _reference(day: LabelledDay) -> set[str]:
    return {
        paper_id
        for paper_id, label in day.labels.items()
        if (label.relevance or 0) >= MIN_RELEVANCE and (label.novelty or 0) >= MIN_NOVELTY
    }


def _summary(name: str, runs: list[dict[str, Any]], days: list[LabelledDay], recorded: dict):
    reference = {d.date.isoformat(): _reference(d) for d in days}
    kept = sum(len(reference[r["date"]] & set(r["selected"])) for r in runs)
    wanted = sum(len(reference[r["date"]]) for r in runs)
    tokens = sum(r["prompt_tokens"] + r["completion_tokens"] for r in runs)
    recorded_tokens = sum(recorded[r["date"]]["total_tokens"] for r in runs)
    ratios = [
        (r["prompt_tokens"] + r["completion_tokens"]) / recorded[r["date"]]["total_tokens"]
        for r in runs
    ]
    papers = sum(r["papers"] for r in runs)
    judged = sum(r["judged"] for r in runs)
    return {
        "run": name,
        "days": len(runs),
        "tokens_per_scanned_paper": tokens / papers,
        "tokens_per_judged_paper": tokens / judged if judged else 0.0,
        "judged": judged,
        "tokens_per_day": tokens / len(runs),
        "recorded_tokens_per_day": recorded_tokens / len(runs),
        "tokens_vs_recorded": tokens / recorded_tokens,
        "worst_day_vs_recorded": max(ratios),
        "cached_share": sum(r["cached_tokens"] for r in runs)
        / max(sum(r["prompt_tokens"] for r in runs), 1),
        "calls": sum(r["calls"] for r in runs),
        "wall_s": sum(r["wall"] for r in runs),
        "dollars": sum(r["cost"] for r in runs),
        "kept_of_full_selection": kept / wanted if wanted else 1.0,
        "selected": sum(len(r["selected"]) for r in runs),
        "full_selection": wanted,
    }


def _table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| run | tokens/judged paper | tokens/scanned paper | tokens/day (recorded) "
        "| vs recorded | calls | wall s | $ at gpt-4.1 | kept of full selection |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['run']} | {row['tokens_per_judged_paper']:.0f} "
            f"| {row['tokens_per_scanned_paper']:.0f} "
            f"| {row['tokens_per_day']:.0f} ({row['recorded_tokens_per_day']:.0f}) "
            f"| {row['tokens_vs_recorded']:.0%} | {row['calls']} | {row['wall_s']:.1f} "
            f"| {row['dollars']:.2f} | {row['kept_of_full_selection']:.1%} "
            f"({row['selected']}/{row['full_selection']}) |"
        )
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description="The judge benchmark on judged astro-ph days.")
    parser.add_argument("--days", type=int, default=40)
    parser.add_argument("--latency", type=float, default=1.5)
    parser.add_argument("--ranker", default="hybrid", choices=RANKERS)
    parser.add_argument("--shares", default="1,0.6,0.5,0.3,0.25")
    parser.add_argument("--sequential-days", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "bench-judge.json")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    if not ASTRO.is_dir():
        raise SystemExit(f"The judged astro-ph days are not beside this checkout ({ASTRO}).")
    manifest = json.loads((ASTRO / "manifest.json").read_text())
    recorded = {d["date"]: d["recorded_usage"] for d in manifest["days"]}
    days = load_labelled_days(ASTRO)[-arguments.days :]
    interests = load_interests(ASTRO / "interests.md")
    shares = [float(s) for s in arguments.shares.split(",")]

    ranked = [_inputs(day, interests, arguments.ranker) for day in days]
    rows = []
    walls = {}
    with FakeOpenAI(load_recorded(ASTRO), ServerOptions(latency=arguments.latency)) as server:
        _run(_settings(server, arguments.ranker), ranked[0], server, MemoryJudgmentCache())
        configurations: list[tuple[str, dict[str, Any]]] = [
            (f"share {share:.0%}", {"share": share}) for share in shares
        ]
        configurations += [
            (f"share {share:.0%}, spread batching", {"share": share, "batching": "spread"})
            for share in dict.fromkeys([1.0, shares[-1]])
        ]
        configurations.append(
            ("title pass + share 100% (optimistic)", {"title_pass": True, "share": 1.0})
        )
        per_run: dict[str, list[dict[str, Any]]] = {}
        for name, judge in configurations:
            settings = _settings(server, arguments.ranker, **judge)
            runs = [_run(settings, day, server, MemoryJudgmentCache()) for day in ranked]
            per_run[name] = runs
            rows.append(_summary(name, runs, days, recorded))
            print(_table(rows[-1:]).splitlines()[-1], flush=True)

        cache = MemoryJudgmentCache()
        settings = _settings(server, arguments.ranker, share=shares[-1])
        for day in ranked[:5]:
            _run(settings, day, server, cache)
        reruns = [_run(settings, day, server, cache) for day in ranked[:5]]
        rerun_tokens = sum(r["prompt_tokens"] + r["completion_tokens"] for r in reruns)

        sample = ranked[: arguments.sequential_days]
        for batching, name in (
            ("economical", "share 100%"),
            ("spread", "share 100%, spread batching"),
        ):
            if name in per_run:
                walls[batching] = _wall(server, arguments.ranker, sample, per_run[name], batching)

    print()
    print(f"{len(days)} days, ranker {arguments.ranker}, {arguments.latency} s per call, ")
    print(f"cut-offs relevance >= {MIN_RELEVANCE} and novelty >= {MIN_NOVELTY}")
    print(_table(rows))
    print()
    for batching, wall in walls.items():
        print(
            f"Wall time, judging every paper, {batching} batching: {wall['concurrent_s']:.1f} s "
            f"concurrent against {wall['sequential_s_extrapolated']:.1f} s sequential (measured "
            f"on {wall['sequential_days_measured']} days at {wall['sequential_s_per_call']:.2f} s "
            f"per call, extrapolated to {wall['calls']} calls): {wall['ratio']:.0%}; the same "
            f"calls per day as the concurrent run: {wall['sequential_same_calls']}."
        )
    print(f"Rerun of {len(reruns)} judged days: {rerun_tokens} tokens.")
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    arguments.out.write_text(
        json.dumps(
            {"ranker": arguments.ranker, "rows": rows, "wall": walls, "rerun_tokens": rerun_tokens},
            indent=2,
        )
    )


def _wall(
    server: FakeOpenAI,
    ranker: str,
    sample: list[DigestInputs],
    full: list[dict[str, Any]],
    batching: str,
) -> dict[str, Any]:
    """The concurrent run's wall time against the same calls sent one after another."""
    concurrent = _settings(server, ranker, share=1.0, batching=batching).judge
    seq_runs = []
    for day in sample:
        # The same batches as the concurrent run, sent one after another.
        size = batch_size(len(day.papers), concurrent)
        sequential = _settings(server, ranker, share=1.0, concurrency=1, batch_size=size)
        seq_runs.append(_run(sequential, day, server, MemoryJudgmentCache()))
    seq_per_call = sum(r["wall"] for r in seq_runs) / sum(r["calls"] for r in seq_runs)
    same_calls = [r["calls"] for r in seq_runs] == [r["calls"] for r in full[: len(seq_runs)]]
    calls = sum(r["calls"] for r in full)
    seq_total = seq_per_call * calls
    parallel_total = sum(r["wall"] for r in full)
    return {
        "sequential_days_measured": len(sample),
        "sequential_s_per_call": seq_per_call,
        "sequential_s_extrapolated": seq_total,
        "calls": calls,
        "concurrent_s": parallel_total,
        "ratio": parallel_total / seq_total,
        "median_day_s": statistics.median(r["wall"] for r in full),
        "sequential_same_calls": same_calls,
    }


if __name__ == "__main__":
    main()
