"""A command's summary line is said once, not again by a log line beside it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"


def _papersift(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m papersift`` on the test's database, in a real process."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "papersift", "--db", str(tmp_path / "db.sqlite3"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_rate_says_once_what_it_recorded(tmp_path: Path) -> None:
    config = tmp_path / "papersift.toml"
    config.write_text('[profile]\nname = "reader"\n[output]\ndir = "out"\n')
    done = _papersift(tmp_path, "rate", "2605.23909", "save", "--config", str(config))
    assert done.returncode == 0, done.stderr
    said = done.stdout + done.stderr
    assert said.count("Rated 2605.23909 save") == 1, said


def test_a_dry_run_says_its_judge_estimate_once(tmp_path: Path) -> None:
    config = tmp_path / "papersift.toml"
    interests = Path(__file__).resolve().parent.parent / "examples" / "interests.md"
    feed = interests.parent / "2026-05-26" / "rss-cs.LG+cs.AI.xml"
    # A dry run sends nothing; the endpoint is a socket of this test that never answers.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config.write_text(
        f"[profile]\ninterests = '{interests}'\n[ranker]\nkind = 'tfidf'\n"
        f"[judge]\nenabled = true\nbase_url = 'http://127.0.0.1:{port}/v1'\n"
        "api_key = 'unused'\n"
    )
    done = _papersift(
        tmp_path, "run", "--dry-run", "--from-file", str(feed), "--config", str(config)
    )
    listener.close()
    assert done.returncode == 0, done.stderr
    said = done.stdout + done.stderr
    assert said.count("Judge estimate:") == 1, said
    assert "nothing was sent." in done.stdout
