"""Runs on the store: a rerun rebuilds the same digest, shown papers stay shown once, runs never
overlap."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner
from store_helpers import DEMO_FEED, papersift_env, run_demo, write_config

from papersift.cli import main
from papersift.config import load_settings
from papersift.models import Announcement, Listing
from papersift.pipeline import RunOptions, run_day
from papersift.sources import load_listing_files
from papersift.store import Store
from papersift.store.history import load_runs


def test_rerun_rebuilds_the_same_digest_byte_for_byte(run_config: Path, tmp_path: Path) -> None:
    db = tmp_path / "papersift.sqlite3"
    runner = CliRunner()
    outputs = []
    for attempt in range(2):
        out = tmp_path / f"out{attempt}"
        args = ["--db", str(db), "run", "--config", str(run_config)]
        result = runner.invoke(main, [*args, "--from-file", str(DEMO_FEED), "--out", str(out)])
        assert result.exit_code == 0, result.output
        outputs.append(out)
    for name in ("2026-05/2026-05-26.md", "2026-05/2026-05-26.json", "latest.md"):
        assert (outputs[0] / name).read_bytes() == (outputs[1] / name).read_bytes()

    with Store.open(db) as store:
        runs = load_runs(store)
        counts = store.counts()
    assert [run.status for run in runs] == ["ok", "ok"]
    assert runs[0].papers == runs[1].papers > 200
    assert runs[0].prompt_tokens == runs[0].completion_tokens == 0
    assert counts["digests"] == 1 and counts["digest_entries"] == 10
    assert len({run.date for run in runs}) == 1


def day_two(first: Listing, shown: list[str]) -> Listing:
    """The next day's listing: three papers shown on day one come back, one as version 2."""
    day = dt.date(2026, 5, 27)
    listing = Listing(date=day, sources=["day-two.xml"])
    back_cross, back_again, replaced = shown[:3]
    for paper_id in (back_cross, back_again):
        listing.papers[paper_id] = first.papers[paper_id]
        listing.announcements.append(
            Announcement(paper_id, day, "cs.LG", "cross", "day-two.xml", 1)
        )
    listing.papers[replaced] = dataclasses.replace(first.papers[replaced], version=2)
    listing.announcements.append(Announcement(replaced, day, "cs.AI", "replace", "day-two.xml", 2))
    fresh = [pid for pid in sorted(first.papers) if pid not in shown][:20]
    for paper_id in fresh:
        listing.papers[paper_id] = first.papers[paper_id]
        listing.announcements.append(Announcement(paper_id, day, "cs.AI", "new", "day-two.xml", 1))
    listing.items = len(listing.announcements)
    return listing


def scanned_ids(result) -> set[str]:
    digest = result.digest
    return {entry.paper.id for entry in [*digest.entries, *digest.unselected]}


def test_paper_shown_earlier_is_not_shown_again(tmp_path: Path, demo_day: Path) -> None:
    extra = '[filters]\nannounce_types = ["new", "cross", "replace"]\n'
    settings = load_settings(write_config(tmp_path, extra=extra))
    settings.store.path = tmp_path / "papersift.sqlite3"
    first = load_listing_files(demo_day / "rss-cs.LG+cs.AI.xml")
    day_one = run_day(settings, RunOptions(date=first.date, listing=first))
    shown = [entry.paper.id for entry in day_one.digest.entries]

    second = run_day(settings, RunOptions(date=dt.date(2026, 5, 27), listing=day_two(first, shown)))
    assert not scanned_ids(second) & set(shown[:3])
    assert second.digest.scanned_papers == 20
    assert second.digest.total_papers == 23

    settings.store.show_replacements = True
    again = run_day(settings, RunOptions(date=dt.date(2026, 5, 27), listing=day_two(first, shown)))
    assert scanned_ids(again) & set(shown[:3]) == {shown[2]}

    rerun_first = run_day(settings, RunOptions(date=first.date, listing=first))
    assert [entry.paper.id for entry in rerun_first.digest.entries] == shown


HOLD_LOCK = """
import sys, time
from pathlib import Path
from papersift.store import Store
with Store.open(Path(sys.argv[1])) as store, store.run_lock(5):
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def start_holder(db: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(db), str(seconds)],
        env=papersift_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "holding"
    holder.stdout.close()
    return holder


def test_second_run_gives_up_with_a_clear_message(tmp_path: Path) -> None:
    config = write_config(tmp_path, extra="[store]\nlock_timeout = 1\n")
    db = tmp_path / "papersift.sqlite3"
    holder = start_holder(db, 30)
    try:
        started = time.monotonic()
        result = run_demo(config, db, cwd=tmp_path)
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2, result.stderr
    assert "Another papersift run" in result.stderr and f"process {holder.pid}" in result.stderr
    assert "lock_timeout" in result.stderr and "Traceback" not in result.stderr
    assert waited >= 1
    with Store.open(db) as store:
        assert store.counts()["runs"] == 0


def test_second_run_waits_for_the_first(tmp_path: Path) -> None:
    config = write_config(tmp_path, extra="[store]\nlock_timeout = 60\n")
    db = tmp_path / "papersift.sqlite3"
    holder = start_holder(db, 2)
    result = run_demo(config, db, cwd=tmp_path)
    assert holder.wait() == 0
    assert result.returncode == 0, result.stderr
    assert "Digest written" in result.stdout


def test_two_real_runs_on_one_database_do_not_overlap(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    db = tmp_path / "papersift.sqlite3"
    args = ["--db", str(db), "run", "--config", str(config), "--from-file", str(DEMO_FEED)]
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "papersift", *args, "--out", str(tmp_path / f"out{n}")],
            cwd=tmp_path,
            env=papersift_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(2)
    ]
    for run in runs:
        _, stderr = run.communicate(timeout=180)
        assert run.returncode == 0, stderr
    with Store.open(db) as store:
        rows = store.connection.execute(
            "SELECT started_at, ended_at, status FROM runs ORDER BY started_at"
        ).fetchall()
    assert [row[2] for row in rows] == ["ok", "ok"]
    assert rows[0][1] <= rows[1][0]


def test_database_path_from_env_flag_and_file(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    from_file = write_config(tmp_path / "config", extra='[store]\npath = "in-file.sqlite3"\n')
    assert load_settings(from_file).store.path == from_file.parent / "in-file.sqlite3"
    env_db = tmp_path / "from-env.sqlite3"
    assert load_settings(from_file, env={"PAPERSIFT_DB": str(env_db)}).store.path == env_db

    flag_db = tmp_path / "from-flag.sqlite3"
    runner = CliRunner(env={"PAPERSIFT_DB": str(env_db)})
    args = ["run", "--config", str(from_file), "--from-file", str(DEMO_FEED)]
    assert runner.invoke(main, args).exit_code == 0
    assert env_db.exists() and not flag_db.exists()
    assert runner.invoke(main, ["--db", str(flag_db), *args]).exit_code == 0
    assert flag_db.exists() and not (from_file.parent / "in-file.sqlite3").exists()
