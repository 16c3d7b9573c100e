"""The database schema and its migrations, versioned in ``PRAGMA user_version``.

Each migration takes the schema from version ``n - 1`` to ``n`` and runs in one transaction with
the version bump, so a database is always at exactly one known version. A new database runs every
migration in order; an older one runs those it lacks. A paper without a known version is stored
with version 0, since SQLite keys treat every NULL as distinct.
"""

from __future__ import annotations

import sqlite3

_V1 = """
CREATE TABLE papers (
    paper_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    authors TEXT NOT NULL,
    abstract TEXT NOT NULL,
    categories TEXT NOT NULL,
    comments TEXT,
    primary_category TEXT,
    first_seen TEXT NOT NULL,
    PRIMARY KEY (paper_id, version)
);

CREATE TABLE announcements (
    date TEXT NOT NULL,
    paper_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    category TEXT NOT NULL,
    announce_type TEXT NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (date, paper_id, category, announce_type),
    FOREIGN KEY (paper_id, version) REFERENCES papers (paper_id, version)
) WITHOUT ROWID;

CREATE TABLE embeddings (
    model TEXT NOT NULL,
    paper_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, paper_id, version)
);

CREATE TABLE judgments (
    model TEXT NOT NULL,
    prompt_hash TEXT NOT NULL,
    paper_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    relevance REAL,
    novelty REAL,
    comment TEXT NOT NULL,
    flags TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    cost REAL,
    duration_ms INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (model, prompt_hash, paper_id, version)
);

CREATE TABLE runs (
    run_id INTEGER PRIMARY KEY,
    date TEXT,
    profile TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    status TEXT NOT NULL,
    papers INTEGER NOT NULL DEFAULT 0,
    scanned INTEGER NOT NULL DEFAULT 0,
    selected INTEGER NOT NULL DEFAULT 0,
    embedded INTEGER NOT NULL DEFAULT 0,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    cost REAL,
    message TEXT NOT NULL DEFAULT ''
);

CREATE TABLE digests (
    digest_id INTEGER PRIMARY KEY,
    date TEXT NOT NULL,
    profile TEXT NOT NULL,
    run_id INTEGER REFERENCES runs (run_id),
    created_at TEXT NOT NULL,
    total_papers INTEGER NOT NULL,
    scanned_papers INTEGER NOT NULL,
    ranker TEXT NOT NULL,
    UNIQUE (date, profile)
);

CREATE TABLE digest_entries (
    digest_id INTEGER NOT NULL REFERENCES digests (digest_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    paper_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    score REAL NOT NULL,
    relevance REAL,
    novelty REAL,
    PRIMARY KEY (digest_id, position),
    FOREIGN KEY (paper_id, version) REFERENCES papers (paper_id, version)
) WITHOUT ROWID;
"""

_V2 = """
ALTER TABLE runs ADD COLUMN config_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN backfilled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE digests ADD COLUMN backfilled INTEGER NOT NULL DEFAULT 0;

CREATE TABLE deliveries (
    delivery_id INTEGER PRIMARY KEY,
    date TEXT NOT NULL,
    profile TEXT NOT NULL,
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    digest_id INTEGER REFERENCES digests (digest_id) ON DELETE SET NULL,
    UNIQUE (date, profile, channel, target)
);

CREATE INDEX announcements_by_paper ON announcements (paper_id);
CREATE INDEX digest_entries_by_paper ON digest_entries (paper_id);
CREATE INDEX digests_by_profile ON digests (profile, date);
"""

_V3 = """
CREATE TABLE profile_examples (
    profile TEXT NOT NULL,
    paper_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    date TEXT NOT NULL,
    origin TEXT NOT NULL,
    relevance REAL,
    novelty REAL,
    PRIMARY KEY (profile, paper_id, date, origin),
    FOREIGN KEY (paper_id, version) REFERENCES papers (paper_id, version)
) WITHOUT ROWID;

CREATE TABLE ratings (
    rating_id INTEGER PRIMARY KEY,
    profile TEXT NOT NULL,
    paper_id TEXT NOT NULL,
    version INTEGER,
    kind TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    rated_at TEXT NOT NULL
);

CREATE TABLE profile_models (
    profile TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    meta TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX ratings_by_profile ON ratings (profile, rated_at);
"""

_V4 = """
ALTER TABLE deliveries ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0;
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4)
"""``MIGRATIONS[n - 1]`` takes the schema from version ``n - 1`` to ``n``."""

SCHEMA_VERSION = len(MIGRATIONS)
"""The version this code writes; a newer database is refused."""


def schema_version(connection: sqlite3.Connection) -> int:
    """The version recorded in the database (0 for a new, empty file)."""
    row = connection.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(connection: sqlite3.Connection) -> list[int]:
    """Bring the schema up to :data:`SCHEMA_VERSION`; returns the versions applied.

    The version is read again inside each migration's write transaction, so two processes
    opening a new database at once apply each migration only once. The caller has checked that
    the database is not newer than this code.
    """
    applied = []
    while schema_version(connection) < SCHEMA_VERSION:
        version = _apply_next(connection)
        if version is not None:
            applied.append(version)
    return applied


def _apply_next(connection: sqlite3.Connection) -> int | None:
    connection.execute("BEGIN IMMEDIATE")
    try:
        current = schema_version(connection)
        if current >= SCHEMA_VERSION:
            connection.rollback()
            return None
        script = MIGRATIONS[current]
        for statement in (part.strip() for part in script.split(";")):
            if statement:
                connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {current + 1:d}")
    except BaseException:
        connection.rollback()
        raise
    connection.commit()
    return current + 1
