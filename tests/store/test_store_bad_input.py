"""A corrupt, locked, read-only, newer or full database: a clear message, exit 2, no half row."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_helpers import papersift, run_demo

from papersift.errors import StoreError
from papersift.models import Listing
from papersift.sources import load_listing_files
from papersift.store import SCHEMA_VERSION, Store


def assert_clean_failure(result: subprocess.CompletedProcess, *phrases: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    for phrase in phrases:
        assert phrase in result.stderr


def test_corrupt_database(run_config: Path, tmp_path: Path) -> None:
    db = tmp_path / "broken.sqlite3"
    db.write_bytes(b"this is not a database at all, just some text" * 100)
    before = db.read_bytes()
    result = run_demo(run_config, db)
    assert_clean_failure(result, "is damaged or not a database", "Move the file away")
    assert db.read_bytes() == before
    assert_clean_failure(papersift("--db", str(db), "history", cwd=tmp_path), "damaged")


def test_truncated_database(run_config: Path, tmp_path: Path) -> None:
    db = tmp_path / "papersift.sqlite3"
    assert run_demo(run_config, db).returncode == 0
    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])
    result = papersift("--db", str(db), "export", cwd=tmp_path)
    assert_clean_failure(result, "damaged")


def test_newer_database(run_config: Path, tmp_path: Path) -> None:
    db = tmp_path / "papersift.sqlite3"
    Store.open(db).close()
    with contextlib.closing(sqlite3.connect(db)) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 3}")
    assert_clean_failure(run_demo(run_config, db), "newer than the version", "Upgrade papersift")


def test_database_locked_by_another_program(run_config: Path, tmp_path: Path) -> None:
    db = tmp_path / "papersift.sqlite3"
    Store.open(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = run_demo(run_config, db)
    finally:
        holder.rollback()
        holder.close()
    assert_clean_failure(result, "is locked by another program")
    with Store.open(db) as store:
        counts = store.counts()
    assert counts["papers"] == 0 and counts["digests"] == 0


@contextlib.contextmanager
def tmpfs(mount_point: Path, size: str) -> Iterator[Path]:
    """A small real filesystem, or a skip where mounting is not allowed."""
    mount_point.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)],
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_read_only_database(run_config: Path, tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", "8m") as folder:
        db = folder / "papersift.sqlite3"
        assert run_demo(run_config, db).returncode == 0
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        result = run_demo(run_config, db)
        assert_clean_failure(result, "cannot be written", "writable")
        history = papersift("--db", str(db), "history", cwd=tmp_path)
        assert history.returncode == 0, history.stderr
        assert "2026-05-26" in history.stdout


def test_read_only_file_without_root(run_config: Path, tmp_path: Path) -> None:
    db = tmp_path / "papersift.sqlite3"
    assert run_demo(run_config, db).returncode == 0
    db.chmod(0o444)
    if os.access(db, os.W_OK):
        pytest.skip("running as root: file modes do not stop writes (the tmpfs test covers it)")
    assert_clean_failure(run_demo(run_config, db), "cannot be written")


@pytest.fixture
def sample_listing(demo_day: Path) -> Listing:
    return load_listing_files(demo_day / "rss-cs.LG+cs.AI.xml")


def dump(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return list(connection.iterdump())


def test_full_database_leaves_rows_as_before(tmp_path: Path, sample_listing: Listing) -> None:
    """Disk full simulated with ``PRAGMA max_page_count``: SQLite answers SQLITE_FULL."""
    db = tmp_path / "papersift.sqlite3"
    with Store.open(db) as store:
        first = Listing(date=sample_listing.date, sources=sample_listing.sources)
        first.papers = dict(list(sample_listing.papers.items())[:5])
        first.announcements = [
            a for a in sample_listing.announcements if a.paper_id in first.papers
        ]
        store.save_listing(first)
        store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = dump(db)
        pages = store.connection.execute("PRAGMA page_count").fetchone()[0]
        store.connection.execute(f"PRAGMA max_page_count = {pages + 2}")
        with pytest.raises(StoreError, match="the disk is full") as caught:
            store.save_listing(sample_listing)
        assert "Free some space" in (caught.value.hint or "")
        assert store.counts()["papers"] == 5
    assert dump(db) == before


def test_disk_full_on_a_real_small_filesystem(tmp_path: Path, sample_listing: Listing) -> None:
    with tmpfs(tmp_path / "small", "400k") as folder:
        db = folder / "papersift.sqlite3"
        with Store.open(db) as store:
            first = Listing(date=sample_listing.date, sources=sample_listing.sources)
            first.papers = dict(list(sample_listing.papers.items())[:3])
            store.save_listing(first)
            before = dump(db)
            with pytest.raises(StoreError, match="the disk is full"):
                store.save_listing(sample_listing)
            assert store.counts()["papers"] == 3
        assert dump(db) == before
        with Store.open(db) as store:
            assert store.counts()["papers"] == 3
