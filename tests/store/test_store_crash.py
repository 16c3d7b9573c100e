"""A real run killed with SIGKILL while embedding, then run again: nothing computed twice, nothing
lost, the same digest as an uninterrupted run."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from store_helpers import DEMO_FEED, papersift, papersift_env, write_config

pytest.importorskip("sentence_transformers")


def config_for(folder: Path) -> Path:
    """The embedding ranker in batches of one paper, so each vector is computed alone, committed
    alone, and is bit for bit the same whichever run computes it; a keyword filter keeps the
    day to a few dozen papers."""
    folder.mkdir()
    path = write_config(folder, ranker="embedding")
    text = path.read_text().replace('kind = "embedding"\n', 'kind = "embedding"\nbatch_size = 1\n')
    path.write_text(text + '[filters]\nkeywords_include = ["calibration"]\n')
    return path


def count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as c:
            return int(c.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def run_args(db: Path, config: Path) -> list[str]:
    return ["--db", str(db), "run", "--config", str(config), "--from-file", str(DEMO_FEED)]


@pytest.mark.slow
def test_killed_run_resumes_without_paying_twice(tmp_path: Path) -> None:
    reference_config = config_for(tmp_path / "reference")
    reference_db = tmp_path / "reference" / "papersift.sqlite3"
    done = papersift(
        *run_args(reference_db, reference_config), cwd=reference_config.parent, timeout=600
    )
    assert done.returncode == 0, done.stderr
    total = count(reference_db, "SELECT count(*) FROM embeddings")
    assert total >= 10

    config = config_for(tmp_path / "killed")
    db = config.parent / "papersift.sqlite3"
    victim = subprocess.Popen(
        [sys.executable, "-m", "papersift", *run_args(db, config)],
        cwd=config.parent,
        env=papersift_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while count(db, "SELECT count(*) FROM embeddings") < 3 and victim.poll() is None:
        assert time.monotonic() < deadline, "the run never started embedding"
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    assert victim.wait() == -signal.SIGKILL
    kept = count(db, "SELECT count(*) FROM embeddings")
    assert 3 <= kept < total, "the kill came after the embedding stage"
    assert count(db, "SELECT count(*) FROM runs WHERE status = 'running'") == 1
    assert count(db, "SELECT count(*) FROM digests") == 0

    again = papersift(*run_args(db, config), cwd=config.parent, timeout=600)
    assert again.returncode == 0, again.stderr

    assert count(db, "SELECT embedded FROM runs WHERE status = 'ok'") == total - kept
    assert count(db, "SELECT count(*) FROM embeddings") == total
    assert count(db, "SELECT count(*) FROM runs WHERE status = 'interrupted'") == 1
    assert count(db, "SELECT count(*) FROM papers") == count(
        reference_db, "SELECT count(*) FROM papers"
    )
    for name in ("2026-05/2026-05-26.md", "2026-05/2026-05-26.json"):
        produced = (config.parent / "out" / name).read_bytes()
        assert produced == (reference_config.parent / "out" / name).read_bytes()
