"""Schema versions: a version-1 database built here migrates; a newer one is refused."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from papersift.errors import StoreError
from papersift.store import SCHEMA_VERSION, Store

# The first released schema, written out here as it was, so the test does not depend on the
# migration code it checks.
VERSION_1 = """
CREATE TABLE papers (paper_id TEXT NOT NULL, version INTEGER NOT NULL, title TEXT NOT NULL,
    authors TEXT NOT NULL, abstract TEXT NOT NULL, categories TEXT NOT NULL, comments TEXT,
    primary_category TEXT, first_seen TEXT NOT NULL, PRIMARY KEY (paper_id, version));
CREATE TABLE announcements (date TEXT NOT NULL, paper_id TEXT NOT NULL, version INTEGER NOT NULL,
    category TEXT NOT NULL, announce_type TEXT NOT NULL, source TEXT NOT NULL,
    PRIMARY KEY (date, paper_id, category, announce_type),
    FOREIGN KEY (paper_id, version) REFERENCES papers (paper_id, version)) WITHOUT ROWID;
CREATE TABLE embeddings (model TEXT NOT NULL, paper_id TEXT NOT NULL, version INTEGER NOT NULL,
    vector BLOB NOT NULL, PRIMARY KEY (model, paper_id, version));
CREATE TABLE judgments (model TEXT NOT NULL, prompt_hash TEXT NOT NULL, paper_id TEXT NOT NULL,
    version INTEGER NOT NULL, relevance REAL, novelty REAL, comment TEXT NOT NULL,
    flags TEXT NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
    cost REAL, duration_ms INTEGER NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (model, prompt_hash, paper_id, version));
CREATE TABLE runs (run_id INTEGER PRIMARY KEY, date TEXT, profile TEXT NOT NULL,
    started_at TEXT NOT NULL, ended_at TEXT, status TEXT NOT NULL,
    papers INTEGER NOT NULL DEFAULT 0, scanned INTEGER NOT NULL DEFAULT 0,
    selected INTEGER NOT NULL DEFAULT 0, embedded INTEGER NOT NULL DEFAULT 0,
    prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
    cost REAL, message TEXT NOT NULL DEFAULT '');
CREATE TABLE digests (digest_id INTEGER PRIMARY KEY, date TEXT NOT NULL, profile TEXT NOT NULL,
    run_id INTEGER REFERENCES runs (run_id), created_at TEXT NOT NULL,
    total_papers INTEGER NOT NULL, scanned_papers INTEGER NOT NULL, ranker TEXT NOT NULL,
    UNIQUE (date, profile));
CREATE TABLE digest_entries (digest_id INTEGER NOT NULL REFERENCES digests (digest_id)
    ON DELETE CASCADE, position INTEGER NOT NULL, paper_id TEXT NOT NULL,
    version INTEGER NOT NULL, score REAL NOT NULL, relevance REAL, novelty REAL,
    PRIMARY KEY (digest_id, position),
    FOREIGN KEY (paper_id, version) REFERENCES papers (paper_id, version)) WITHOUT ROWID;
INSERT INTO papers VALUES ('2605.00001', 1, 'A title', '["A. Author"]', 'An abstract.',
    '["cs.LG"]', NULL, 'cs.LG', '2026-05-26T05:00:00+00:00');
INSERT INTO announcements VALUES ('2026-05-26', '2605.00001', 1, 'cs.LG', 'new', 'feed.xml');
INSERT INTO runs (date, profile, started_at, ended_at, status, papers, scanned, selected)
    VALUES ('2026-05-26', 'default', '2026-05-26T05:00:00+00:00', '2026-05-26T05:01:00+00:00',
    'ok', 1, 1, 1);
INSERT INTO digests VALUES (1, '2026-05-26', 'default', 1, '2026-05-26T05:01:00+00:00', 1, 1,
    'tfidf');
INSERT INTO digest_entries VALUES (1, 1, '2605.00001', 1, 0.42, NULL, NULL);
PRAGMA user_version = 1;
"""


def build_version_1(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.executescript(VERSION_1)
    connection.close()


def test_version_1_database_migrates_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    build_version_1(path)

    with Store.open(path) as store:
        connection = store.connection
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.counts()["digest_entries"] == 1
        run = connection.execute("SELECT status, config_hash, backfilled FROM runs").fetchone()
        assert run == ("ok", "", 0)
        assert connection.execute("SELECT backfilled FROM digests").fetchone() == (0,)
        connection.execute(
            "INSERT INTO deliveries (date, profile, channel, target, status, updated_at, "
            "digest_id) VALUES ('2026-05-26', 'default', 'email', 'me@example.org', 'sent', "
            "'now', 1)"
        )
        shown = store.shown_before("default", dt.date(2026, 5, 27), ["2605.00001"])
        assert shown == {"2605.00001": 1}
    with Store.open(path) as store:
        assert store.counts()["deliveries"] == 1


def test_version_1_read_only_open_migrates_first(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    build_version_1(path)
    with Store.open(path, readonly=True) as store:
        assert store.connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_newer_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    Store.open(path).close()
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    before = path.read_bytes()

    with pytest.raises(StoreError, match="newer than the version") as caught:
        Store.open(path)
    assert "Upgrade papersift" in (caught.value.hint or "")
    assert path.read_bytes() == before


def test_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (text TEXT)")
    connection.close()
    with pytest.raises(StoreError, match="not one of papersift's"):
        Store.open(path)
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == 0
    assert [r[0] for r in connection.execute("SELECT name FROM sqlite_master")] == ["notes"]
