"""Judged runs on the store against the replay server: a rerun spends nothing and writes the same
digest; a run killed with SIGKILL while judging resumes without asking for a paper twice."""

from __future__ import annotations

import contextlib
import hashlib
import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_helpers import DEMO_FEED, EXAMPLES, papersift, papersift_env, run_demo

from papersift.sources import load_listing_files
from papersift.testing.fake_openai import FakeOpenAI, ServerOptions


def recorded_judgments() -> dict[str, dict[str, object]]:
    """A fixed judgment for every paper of the demo day, derived from its id."""
    listing = load_listing_files(DEMO_FEED)
    judged = {}
    for paper_id in listing.papers:
        digest = hashlib.sha256(paper_id.encode()).digest()
        judged[paper_id] = {
            "relevance": 1 + digest[0] % 10,
            "novelty": 1 + digest[1] % 10,
            "comment": f"Replayed judgment of {paper_id}.",
        }
    return judged


@contextlib.contextmanager
def replay_server(latency: float = 0.0) -> Iterator[FakeOpenAI]:
    server = FakeOpenAI(recorded_judgments(), ServerOptions(latency=latency)).start()
    try:
        yield server
    finally:
        server.stop()


def judge_config(folder: Path, base_url: str) -> Path:
    folder.mkdir(exist_ok=True)
    interests = json.dumps(str(EXAMPLES / "interests.md"))
    path = folder / "papersift.toml"
    path.write_text(
        f'[profile]\nname = "judged"\ninterests = {interests}\n'
        '[ranker]\nkind = "tfidf"\ntop = 10\n'
        '[output]\ndir = "out"\n'
        f'[judge]\nenabled = true\nmodel = "gpt-4.1"\nbase_url = {json.dumps(base_url)}\n'
        "max_papers = 60\nbatch_size = 5\nconcurrency = 1\nmin_relevance = 5\n"
        "timeout = 10.0\nmax_retries = 1\n"
    )
    return path


def run(config: Path, db: Path) -> subprocess.CompletedProcess:
    return run_demo(config, db, OPENAI_API_KEY="test-key")


def query(db: Path, sql: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as connection:
        return connection.execute(sql).fetchall()


def outputs(folder: Path) -> dict[str, bytes]:
    out = folder / "out" / "2026-05"
    return {name: (out / name).read_bytes() for name in ("2026-05-26.md", "2026-05-26.json")}


def test_judged_rerun_spends_nothing_and_writes_the_same_digest(tmp_path: Path) -> None:
    with replay_server() as server:
        config = judge_config(tmp_path, server.base_url)
        db = tmp_path / "papersift.sqlite3"
        first = run(config, db)
        assert first.returncode == 0, first.stderr
        asked, written = server.stats.requests, outputs(tmp_path)
        assert asked == 12 and sum(server.stats.ids_asked.values()) == 60

        second = run(config, db)
        assert second.returncode == 0, second.stderr
        assert server.stats.requests == asked
        assert outputs(tmp_path) == written

    runs = query(db, "SELECT prompt_tokens, completion_tokens, cost FROM runs ORDER BY run_id")
    assert runs[0][0] > 0 and runs[0][1] > 0 and runs[0][2] > 0
    assert runs[1] == (0, 0, 0.0)
    assert query(db, "SELECT count(*) FROM judgments") == [(60,)]
    document = json.loads(written["2026-05-26.json"])
    (judge_usage,) = [u for u in document["usage"] if u["model"] == "gpt-4.1"]
    # The digest reports the tokens recorded with its judgments (each paper's share of its
    # request), which add up to what the first run spent.
    stored = query(db, "SELECT sum(prompt_tokens), sum(completion_tokens) FROM judgments")[0]
    assert (judge_usage["prompt_tokens"], judge_usage["completion_tokens"]) == stored
    assert stored == runs[0][:2] == (server.stats.prompt_tokens, server.stats.completion_tokens)
    assert judge_usage["cost_usd"] == pytest.approx(runs[0][2], rel=1e-9)


@pytest.mark.slow
def test_run_killed_while_judging_resumes_without_paying_twice(tmp_path: Path) -> None:
    with replay_server() as server:
        reference = judge_config(tmp_path / "reference", server.base_url)
        done = run(reference, reference.parent / "papersift.sqlite3")
        assert done.returncode == 0, done.stderr
        expected = outputs(reference.parent)

    with replay_server(latency=0.4) as server:
        config = judge_config(tmp_path / "killed", server.base_url)
        db = config.parent / "papersift.sqlite3"
        victim = subprocess.Popen(
            [sys.executable, "-m", "papersift", "--db", str(db), "run", "--config", str(config)]
            + ["--from-file", str(DEMO_FEED)],
            cwd=config.parent,
            env=papersift_env(OPENAI_API_KEY="test-key"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while victim.poll() is None and time.monotonic() < deadline:
            with contextlib.suppress(sqlite3.Error):
                if db.exists() and query(db, "SELECT count(*) FROM judgments")[0][0] >= 15:
                    break
            time.sleep(0.02)
        victim.send_signal(signal.SIGKILL)
        assert victim.wait() == -signal.SIGKILL
        time.sleep(1.0)  # the server finishes the request in flight, which nobody reads
        kept = {row[0] for row in query(db, "SELECT paper_id FROM judgments")}
        assert 15 <= len(kept) < 60, "the kill came after judging"
        asked_before = sum(server.stats.ids_asked.values())
        # The killed run's spend is what its committed judgments carry.
        spent = query(db, "SELECT sum(prompt_tokens) + sum(completion_tokens) FROM judgments")
        killed_tokens = spent[0][0]
        assert killed_tokens > 0
        listed = papersift("--db", str(db), "history", "--config", str(config), cwd=config.parent)
        assert listed.returncode == 0, listed.stderr
        row = _history_row(listed.stdout, 1)
        assert row[3] == "interrupted" and int(row[7]) == killed_tokens
        assert row[8].startswith("$") and float(row[8][1:]) > 0

        server.stats.ids_asked.clear()
        again = run(config, db)
        assert again.returncode == 0, again.stderr
        asked_again = set(server.stats.ids_asked)

    assert not asked_again & kept, "papers judged before the kill were asked again"
    assert len(asked_again) == sum(server.stats.ids_asked.values()) == 60 - len(kept)
    assert asked_before - len(kept) <= 5  # at most the one request in flight was lost
    assert query(db, "SELECT count(*) FROM judgments") == [(60,)]
    assert query(db, "SELECT status FROM runs ORDER BY run_id") == [("interrupted",), ("ok",)]
    assert outputs(config.parent) == expected
    listed = papersift("--db", str(db), "history", "--config", str(config), cwd=config.parent)
    interrupted, finished = _history_row(listed.stdout, 1), _history_row(listed.stdout, 2)
    assert int(interrupted[7]) == killed_tokens
    total = query(db, "SELECT sum(prompt_tokens) + sum(completion_tokens) FROM judgments")[0][0]
    assert int(finished[7]) == total - killed_tokens


def _history_row(text: str, run_id: int) -> list[str]:
    """The fields of run ``run_id``'s row in ``papersift history``'s table."""
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] == str(run_id):
            return fields
    raise AssertionError(f"run {run_id} is not in the history:\n{text}")
