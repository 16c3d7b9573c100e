"""What ``history`` and ``export`` say when a run failed or a query finds nothing."""

from __future__ import annotations

import datetime as dt
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from store_helpers import DEMO_FEED, papersift, papersift_env, run_demo, write_config
from test_store_judged_runs import judge_config, recorded_judgments

from papersift.cli import main
from papersift.models import Digest, DigestEntry
from papersift.sources import load_listing_files
from papersift.store import RunCounts, Store
from papersift.testing.fake_openai import FakeOpenAI, ServerOptions

STAMP = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"


def test_history_shows_a_failed_run_with_its_dates_and_reason(tmp_path: Path) -> None:
    db = tmp_path / "papersift.sqlite3"
    (tmp_path / "a").mkdir()
    missing = write_config(tmp_path / "a")
    gone = papersift(
        "--db",
        str(db),
        "run",
        "--config",
        str(missing),
        "--from-file",
        str(tmp_path / "nowhere.xml"),
        cwd=tmp_path,
    )
    assert gone.returncode == 2
    # A judge that refuses the key fails the run after the listing was read.
    server = FakeOpenAI({}, ServerOptions(api_key="the-right-key")).start()
    try:
        extra = (
            f'[judge]\nenabled = true\nmodel = "gpt-4.1"\nbase_url = "{server.base_url}"\n'
            "max_retries = 0\n"
        )
        (tmp_path / "b").mkdir()
        refused = run_demo(
            write_config(tmp_path / "b", extra=extra), db, OPENAI_API_KEY="a-wrong-key"
        )
    finally:
        server.stop()
    assert refused.returncode != 0
    lines = papersift("--db", str(db), "history", cwd=tmp_path).stdout.splitlines()
    assert lines[0].split()[-2:] == ["started", "(UTC)"]
    assert re.match(rf"\s+2\s+2026-05-26\s+test\s+failed\s.*\s{STAMP}$", lines[1]), lines[1]
    assert re.match(r"\s+failed: .*(401|key)", lines[2], re.IGNORECASE), lines[2]
    assert re.match(rf"\s+1\s+-\s+test\s+failed\s.*\s{STAMP}$", lines[3]), lines[3]
    assert lines[4].strip() == f"failed: No feed file found at {str(tmp_path / 'nowhere.xml')!r}."


@pytest.fixture
def db(tmp_path: Path, demo_day: Path) -> Path:
    """One digest of profile ``p`` on 2026-05-26 and one of ``q`` on 2026-05-28, not judged."""
    path = tmp_path / "papersift.sqlite3"
    listing = load_listing_files(demo_day / "rss-cs.LG+cs.AI.xml")
    ids = sorted(listing.papers)
    with Store.open(path) as store:
        store.save_listing(listing)
        for day, profile, chosen in (
            (dt.date(2026, 5, 26), "p", ids[:3]),
            (dt.date(2026, 5, 28), "q", ids[3:5]),
        ):
            run = store.start_run(day, profile, "hash")
            entries = [DigestEntry(listing.papers[pid], 0.5, None, "", "new") for pid in chosen]
            store.save_digest(Digest(day, profile, entries, 300, 250), run)
            store.finish_run(run, "ok", RunCounts(date=day, papers=300, scanned=250))
    return path


def _invoke(db: Path, *args: str):
    result = CliRunner().invoke(main, ["--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result


def test_history_of_a_profile_without_runs_names_those_with_runs(db: Path) -> None:
    result = _invoke(db, "history", "--profile", "nobody")
    assert "No runs recorded for profile 'nobody'" in result.stdout
    assert "Profiles with runs: p, q" in result.stdout
    assert "No runs recorded yet" not in result.stdout
    assert len(_invoke(db, "history", "--profile", "q").stdout.splitlines()) == 2


def test_history_of_an_empty_database_says_no_runs_yet(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    Store.open(path).close()
    assert _invoke(path, "history", "--profile", "x").stdout.strip() == "No runs recorded yet."


def test_export_says_how_many_papers_it_wrote(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "all.jsonl"
    result = _invoke(db, "export", "-o", str(target))
    assert result.stdout.strip() == f"Exported 5 paper(s) to {target}"
    assert len(target.read_text().splitlines()) == 5
    to_terminal = _invoke(db, "export", "--profile", "q")
    assert len(to_terminal.stdout.splitlines()) == 2
    assert to_terminal.stderr.strip() == "Exported 2 paper(s) to the terminal"


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (
            ["--from", "2020-01-01", "--to", "2020-01-31"],
            "no digest dated from 2020-01-01 to 2020-01-31; "
            "the digests run from 2026-05-26 to 2026-05-28.",
        ),
        (
            ["--from", "2026-05-27", "--profile", "p"],
            "no digest dated on or after 2026-05-27; "
            "the digests of 'p' run from 2026-05-26 to 2026-05-26.",
        ),
        (
            ["--to", "2026-05-27", "--from", "2026-05-27"],
            "no digest dated from 2026-05-27 to 2026-05-27; "
            "the digests run from 2026-05-26 to 2026-05-28.",
        ),
        (["--profile", "nobody"], "no digest of profile 'nobody'; profiles with digests: p, q."),
        (["--min-relevance", "5"], "no judged paper at relevance 5 or more"),
    ],
)
def test_export_of_nothing_says_so_and_why(
    db: Path, tmp_path: Path, args: list[str], why: str
) -> None:
    target = tmp_path / "none.csv"
    result = _invoke(db, "export", "--format", "csv", "-o", str(target), *args)
    assert result.stdout.startswith(f"Exported no papers to {target}: {why}")
    assert target.read_text().startswith("date,profile,position,id")
    assert len(target.read_text().splitlines()) == 1
    on_terminal = _invoke(db, "export", *args)
    assert on_terminal.stdout == ""
    assert on_terminal.stderr.startswith(f"Exported no papers to the terminal: {why}")


def test_export_of_an_empty_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    Store.open(path).close()
    result = _invoke(path, "export")
    assert "the database holds no digest yet" in result.stderr


def test_history_shows_a_killed_run_with_its_date_as_interrupted(tmp_path: Path) -> None:
    db = tmp_path / "papersift.sqlite3"
    server = FakeOpenAI(recorded_judgments(), ServerOptions(latency=2.0)).start()
    victim = None
    try:
        config = judge_config(tmp_path / "k", server.base_url)
        args = ["--db", str(db), "run", "--config", str(config), "--from-file", str(DEMO_FEED)]
        victim = subprocess.Popen(
            [sys.executable, "-m", "papersift", *args],
            cwd=tmp_path,
            env=papersift_env(OPENAI_API_KEY="test-key"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while server.stats.requests == 0:
            assert victim.poll() is None and time.monotonic() < deadline, "never judged"
            time.sleep(0.05)
        live = papersift("--db", str(db), "history", cwd=tmp_path).stdout.splitlines()
        assert re.match(r"\s+1\s+2026-05-26\s+judged\s+running\s", live[1]), live
        victim.send_signal(signal.SIGKILL)
        victim.wait(30)
    finally:
        if victim is not None and victim.poll() is None:
            victim.kill()
            victim.wait()
        server.stop()
    lines = papersift("--db", str(db), "history", cwd=tmp_path).stdout.splitlines()
    assert re.match(rf"\s+1\s+2026-05-26\s+judged\s+interrupted\s.*\s{STAMP}$", lines[1]), lines
    assert lines[2].strip().startswith("interrupted: the run's process ended before the run did")
