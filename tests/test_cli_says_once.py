"""A command's summary line is said once, not again by a log line beside it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"


def test_rate_says_once_what_it_recorded(tmp_path: Path) -> None:
    config = tmp_path / "papersift.toml"
    config.write_text('[profile]\nname = "reader"\n[output]\ndir = "out"\n')
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "200"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "papersift",
            "--db",
            str(tmp_path / "db.sqlite3"),
            "rate",
            "2605.23909",
            "save",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    said = done.stdout + done.stderr
    assert said.count("Rated 2605.23909 save") == 1, said
