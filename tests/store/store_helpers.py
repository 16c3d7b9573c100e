"""Helpers of the store's tests: a config on the demo day and a way to run the real command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
EXAMPLES = ROOT / "examples"


def write_config(folder: Path, ranker: str = "tfidf", extra: str = "") -> Path:
    """A config in ``folder`` using the starter interests, writing to ``folder/out``."""
    path = folder / "papersift.toml"
    interests = (EXAMPLES / "interests.md").as_posix()
    path.write_text(
        f'[profile]\nname = "test"\ninterests = "{interests}"\n\n'
        f'[sources]\ncategories = ["cs.LG", "cs.AI"]\n\n'
        f'[ranker]\nkind = "{ranker}"\ntop = 10\n\n'
        f'[output]\ndir = "out"\n\n{extra}',
        encoding="utf-8",
    )
    return path


def papersift_env(**extra: str) -> dict[str, str]:
    """The environment of a real ``python -m papersift`` importing this checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC)
    env["TOKENIZERS_PARALLELISM"] = "false"
    env.update(extra)
    return env


def papersift(
    *args: str, cwd: Path, timeout: float = 120, **env: str
) -> subprocess.CompletedProcess:
    """Run ``python -m papersift ARGS`` in a real process and wait for it."""
    return subprocess.run(
        [sys.executable, "-m", "papersift", *args],
        cwd=cwd,
        env=papersift_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


DEMO_FEED = EXAMPLES / "2026-05-26" / "rss-cs.LG+cs.AI.xml"


def run_demo(
    config: Path, db: Path, *more: str, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess:
    """``papersift --db DB run --config CONFIG`` on the bundled demo feed, in a real process."""
    return papersift(
        "--db",
        str(db),
        "run",
        "--config",
        str(config),
        "--from-file",
        str(DEMO_FEED),
        *more,
        cwd=cwd or config.parent,
        **env,
    )
