"""Where and how output files are written: ``latest`` follows the newest day, modes follow the
umask, and the global ``--db`` reaches every command that opens the store."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

from click.testing import CliRunner

from papersift.cli import main
from papersift.models import Digest, Usage
from papersift.pipeline import write_digest
from papersift.render.markdown import render_markdown


def _digest(day: dt.date) -> Digest:
    return Digest(date=day, profile="p", entries=[], total_papers=0, scanned_papers=0)


def test_latest_follows_the_newest_day_not_the_last_run(tmp_path: Path) -> None:
    write_digest(_digest(dt.date(2026, 5, 28)), tmp_path, ["markdown", "json"])
    write_digest(_digest(dt.date(2026, 5, 26)), tmp_path, ["markdown", "json"])

    assert (tmp_path / "2026-05" / "2026-05-26.md").exists()
    assert "2026-05-28" in (tmp_path / "latest.md").read_text().splitlines()[0]
    assert '"date": "2026-05-28"' in (tmp_path / "latest.json").read_text()

    write_digest(_digest(dt.date(2026, 5, 29)), tmp_path, ["markdown"])
    assert "2026-05-29" in (tmp_path / "latest.md").read_text().splitlines()[0]


def test_outputs_follow_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        written = write_digest(_digest(dt.date(2026, 5, 26)), tmp_path, ["markdown", "json"])
    finally:
        os.umask(previous)
    for path in [*written, tmp_path / "latest.md"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_a_cost_under_a_cent_is_not_shown_as_free() -> None:
    digest = _digest(dt.date(2026, 5, 26))
    digest.usage = [
        Usage("gpt-x", 900, 80, cost=0.0030472, prompt_cost=0.0018, completion_cost=0.0012)
    ]
    text = render_markdown(digest)
    assert "| **Cost** | $0.0018 | $0.0012 | $0.0030 |" in text


def test_rate_uses_the_database_named_by_db(tmp_path: Path, starter_interests: Path) -> None:
    config = tmp_path / "papersift.toml"
    config.write_text(
        f"[profile]\ninterests = '{starter_interests}'\n"
        f"[store]\npath = '{tmp_path / 'configured.sqlite3'}'\n"
    )
    named = tmp_path / "named.sqlite3"

    done = CliRunner().invoke(
        main, ["--db", str(named), "rate", "2605.23909", "like", "--config", str(config)]
    )

    assert done.exit_code == 0, done.output
    assert named.exists()
    assert not (tmp_path / "configured.sqlite3").exists()
