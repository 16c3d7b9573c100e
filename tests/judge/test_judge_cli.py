"""``papersift run`` with the judge: the dry-run estimate and a real run, as a user runs them."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from papersift.sources import load_listing_files
from papersift.testing.fake_openai import FakeOpenAI

SRC = Path(__file__).resolve().parents[2] / "src"


def _demo_recordings(demo_day: Path) -> dict[str, dict[str, object]]:
    """A fixed judgment for every paper of the demo day, derived from its id."""
    recorded = {}
    for paper_id in load_listing_files(demo_day).papers:
        digest = hashlib.sha256(paper_id.encode()).digest()
        recorded[paper_id] = {
            "relevance": 1 + digest[0] % 10,
            "novelty": 1 + digest[1] % 10,
            "comment": f"Recorded judgment of {paper_id}.",
        }
    return recorded


@pytest.fixture
def demo_server(demo_day: Path) -> Iterator[Callable[[dict[str, dict[str, object]]], FakeOpenAI]]:
    """Starts replay servers holding the given recordings of the demo day's papers."""
    started: list[FakeOpenAI] = []

    def start(recorded: dict[str, dict[str, object]]) -> FakeOpenAI:
        started.append(FakeOpenAI(recorded).start())
        return started[-1]

    yield start
    for server in started:
        server.stop()


def _config(tmp_path: Path, base_url: str, starter_interests: Path, **judge: object) -> Path:
    lines = [
        "[profile]",
        f"interests = {json.dumps(str(starter_interests))}",
        "[ranker]",
        'kind = "tfidf"',
        "[judge]",
        "enabled = true",
        'model = "gpt-4.1"',
        f"base_url = {json.dumps(base_url)}",
        f"cache_file = {json.dumps(str(tmp_path / 'judgments.jsonl'))}",
        *(f"{key} = {json.dumps(value)}" for key, value in judge.items()),
    ]
    path = tmp_path / "papersift.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(config: Path, demo_day: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "OPENAI_API_KEY": "test-key"}
    env.pop("OPENAI_BASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "papersift", "run", "--config", str(config)]
        + ["--from-file", str(demo_day), "--out", str(config.parent / "out"), *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_dry_run_prints_the_estimate_and_sends_nothing(
    tmp_path, fake_server, demo_day, starter_interests
):
    server = fake_server()
    config = _config(tmp_path, server.base_url, starter_interests, share=0.5)
    result = _run(config, demo_day, "--dry-run")

    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("Judge estimate"))
    assert "prompt tokens (counted)" in line and "about $" in line
    assert "nothing was sent" in line
    assert server.stats.requests == 0
    assert not (tmp_path / "out").exists()


def test_run_judges_and_shows_cost_then_reruns_free(
    tmp_path, demo_server, demo_day, starter_interests
):
    server = demo_server(_demo_recordings(demo_day))
    config = _config(tmp_path, server.base_url, starter_interests, max_papers=12)
    first = _run(config, demo_day)
    assert first.returncode == 0, first.stderr
    digest = json.loads((tmp_path / "out" / "latest.json").read_text())
    usage = digest["usage"][0]
    assert usage["model"] == "gpt-4.1" and usage["prompt_tokens"] == server.stats.prompt_tokens
    assert usage["cost_usd"] > 0
    statuses = [p["status"] for p in digest["papers"] + digest["unselected"]]
    assert statuses.count("judged") == 12
    assert "| **Token** |" in (tmp_path / "out" / "latest.md").read_text()

    requests, tokens = server.stats.requests, server.stats.prompt_tokens
    again = _run(config, demo_day)
    assert again.returncode == 0, again.stderr
    assert (server.stats.requests, server.stats.prompt_tokens) == (requests, tokens)
    # Over the store, the rerun's digest reports the judgments it rests on, as the first run's
    # did, so it comes out the same; the run itself spent nothing.
    rerun = json.loads((tmp_path / "out" / "latest.json").read_text())
    assert rerun == digest


def test_papers_without_a_recording_end_judge_failed_with_a_notice(
    tmp_path, demo_server, demo_day, starter_interests
):
    recorded = _demo_recordings(demo_day)
    unknown = sorted(recorded)[::3]
    server = demo_server({k: v for k, v in recorded.items() if k not in unknown})
    config = _config(tmp_path, server.base_url, starter_interests, max_papers=12, missing_retries=1)
    result = _run(config, demo_day)

    assert result.returncode == 0, result.stderr
    digest = json.loads((tmp_path / "out" / "latest.json").read_text())
    entries = digest["papers"] + digest["unselected"]
    assert len(entries) == digest["totals"]["scanned_papers"] == len(recorded)
    failed = {p["id"] for p in entries if p["status"] == "judge failed"}
    judged = {p["id"] for p in entries if p["status"] == "judged"}
    asked = set(server.stats.ids_asked)
    assert len(asked) == 12 and failed == asked & set(unknown) and failed
    assert judged == asked - failed
    # Each unknown paper was asked once, then again alone with the other missed ones.
    assert all(server.stats.ids_asked[i] == 2 for i in failed)
    assert all(p["relevance"] is None for p in entries if p["id"] in failed)
    assert not failed & {p["id"] for p in digest["papers"]}
    note = (
        f"{len(failed)} of 12 papers sent to the judge could not be judged (no usable answer "
        "after every retry); they are marked judge failed and keep their local ranking."
    )
    assert digest["notices"] == [note]
    markdown = (tmp_path / "out" / "latest.md").read_text()
    assert markdown.index(f"> **Note:** {note}") < markdown.index("| **Token** |")


def test_bad_key_exits_1_with_the_message(tmp_path, fake_server, demo_day, starter_interests):
    server = fake_server(api_key="another-key")
    config = _config(tmp_path, server.base_url, starter_interests, max_papers=5, concurrency=1)
    result = _run(config, demo_day)
    assert result.returncode == 1
    assert "refused the API key" in result.stderr
    assert server.stats.requests == 1


def test_unknown_judge_key_exits_2(tmp_path, fake_server, demo_day, starter_interests):
    server = fake_server()
    config = _config(tmp_path, server.base_url, starter_interests, shares=0.3)
    result = _run(config, demo_day, "--dry-run")
    assert result.returncode == 2
    assert "unknown key 'judge.shares'" in result.stderr
