"""The judge benchmark in use: the cascade learns from its own verdicts, day after day.

The judged astro-ph days go through the pipeline's select stage in order (filters, ranker,
cascade, judge, digest, then learning from the digest), as ``papersift run`` does each day,
against the replay server on 127.0.0.1. The ranker starts as the configured one (hybrid) with
``[judge] share``; once the learned model has history it is blended in, and once it has its
full weight the cascade judges ``learned_share`` of the day. The model learns only from the
papers the cascade sent to the judge, never from the recorded verdicts of the rest. Tokens are
compared with what the recorded assistant spent (``manifest.json``), and the selection with the
papers whose recorded verdicts pass the cut-offs (what judging every paper selects).

    python bench/judge_learning.py [--days 40] [--latency 0] [--share 0.6] [--learned-share 0.45]
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

from judge import ASTRO, ROOT, _reference, _settings, _Silent  # bench/judge.py beside this file
from papersift.config import Settings
from papersift.interests import Interests, load_interests
from papersift.judge import MemoryJudgmentCache
from papersift.pipeline import RunOptions, select_day
from papersift.sources.judged import LabelledDay, load_labelled_days
from papersift.testing.fake_openai import FakeOpenAI, ServerOptions, load_recorded

WINDOWS = ((1, 40), (21, 40))


def _learning_settings(
    server: FakeOpenAI, profiles: Path, arguments: argparse.Namespace
) -> Settings:
    """The judge benchmark's settings, with the profile's history kept in ``profiles``."""
    values = _settings(
        server, arguments.ranker, share=arguments.share, learned_share=arguments.learned_share
    ).model_dump()
    values["ranker"]["cache_dir"] = arguments.cache
    values["learning"] = {"dir": profiles}
    return Settings.model_validate(values)


def _day(settings: Settings, day: LabelledDay, interests: Interests, server: FakeOpenAI) -> dict:
    requests = server.stats.requests
    started = time.monotonic()
    options = RunOptions(judgment_cache=MemoryJudgmentCache())
    digest = select_day(settings, options, day.listing, interests, _Silent())
    usage = digest.usage[0] if digest.usage else None
    judged = [e for e in [*digest.entries, *digest.unselected] if e.status == "judged"]
    wanted = _reference(day)
    return {
        "date": day.date.isoformat(),
        "papers": len(day.papers),
        "ranker": digest.ranker,
        "judged": len(judged),
        "share": len(judged) / len(day.papers),
        "calls": server.stats.requests - requests,
        "tokens": usage.total_tokens if usage else 0,
        "cost": (usage.cost or 0.0) if usage else 0.0,
        "full_selection": len(wanted),
        "kept": len(wanted & {e.paper.id for e in digest.entries}),
        "seconds": time.monotonic() - started,
    }


def _summary(runs: list[dict], recorded: dict[str, int], first: int, last: int) -> dict:
    chosen = runs[first - 1 : last]
    tokens = sum(r["tokens"] for r in chosen)
    anchor = sum(recorded[r["date"]] for r in chosen)
    wanted = sum(r["full_selection"] for r in chosen)
    return {
        "days": [first, min(last, len(runs))],
        "tokens_per_day": tokens / len(chosen),
        "recorded_per_day": anchor / len(chosen),
        "tokens_vs_recorded": tokens / anchor,
        "kept_of_full_selection": sum(r["kept"] for r in chosen) / wanted if wanted else 1.0,
        "kept": sum(r["kept"] for r in chosen),
        "full_selection": wanted,
        "judged_share": sum(r["judged"] for r in chosen) / sum(r["papers"] for r in chosen),
        "learned_days": sum(r["ranker"].startswith("learned:") for r in chosen),
        "calls": sum(r["calls"] for r in chosen),
        "dollars": sum(r["cost"] for r in chosen),
    }


def main() -> None:
    """Run the days in order and print the figures per window of days."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--ranker", default="hybrid", choices=["hybrid", "embedding", "tfidf"])
    parser.add_argument("--share", type=float, default=0.6)
    parser.add_argument("--learned-share", type=float, default=0.45)
    parser.add_argument("--cache", type=Path, default=ROOT / "out" / "bench-judge-embeddings")
    parser.add_argument("--json", type=Path, default=ROOT / "out" / "bench-judge-learning.json")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    days = load_labelled_days(ASTRO)[: arguments.days]
    interests = load_interests(ASTRO / "interests.md")
    manifest = json.loads((ASTRO / "manifest.json").read_text(encoding="utf-8"))
    recorded = {d["date"]: d["recorded_usage"]["total_tokens"] for d in manifest["days"]}
    server = FakeOpenAI(load_recorded(ASTRO), ServerOptions(latency=arguments.latency)).start()
    runs = []
    try:
        with tempfile.TemporaryDirectory() as profiles:
            settings = _learning_settings(server, Path(profiles), arguments)
            for day in days:
                runs.append(_day(settings, day, interests, server))
                run = runs[-1]
                print(
                    f"{run['date']} {run['ranker']:<32} judged {run['judged']:>3}/{run['papers']}"
                    f" tokens {run['tokens']:>6} (recorded {recorded[run['date']]})"
                    f" kept {run['kept']}/{run['full_selection']}",
                    flush=True,
                )
    finally:
        server.stop()
    summaries = [_summary(runs, recorded, a, b) for a, b in WINDOWS if len(runs) >= a]
    for s in summaries:
        print(
            f"days {s['days'][0]}-{s['days'][1]}: {s['tokens_per_day']:.0f} tokens/day "
            f"({s['tokens_vs_recorded']:.1%} of the recorded {s['recorded_per_day']:.0f}), "
            f"kept {s['kept_of_full_selection']:.1%} ({s['kept']}/{s['full_selection']}) of "
            f"the full selection, judged {s['judged_share']:.0%} of the papers, "
            f"{s['learned_days']} days ranked by the learned model, {s['calls']} calls, "
            f"${s['dollars']:.2f} at gpt-4.1"
        )
    arguments.json.parent.mkdir(parents=True, exist_ok=True)
    arguments.json.write_text(json.dumps({"summaries": summaries, "days": runs}, indent=2))
    print(f"Wrote {arguments.json}")


if __name__ == "__main__":
    main()
