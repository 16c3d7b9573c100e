"""Opening the database file, its transactions, the run lock, and SQLite's errors in plain words.

The connection runs in autocommit mode and every write is one explicit ``BEGIN IMMEDIATE`` ...
``COMMIT``, so a failing write (disk full, a lock, a kill) leaves the database as it was before
it. Journalling is WAL, so the history commands can read while a run writes.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from papersift.errors import StoreError
from papersift.store.lockholder import lock_holder
from papersift.store.schema import SCHEMA_VERSION, migrate, schema_version

logger = logging.getLogger(__name__)

BUSY_TIMEOUT = 5.0
"""Seconds a statement waits for another connection's write lock before failing."""


def connect(
    path: Path, *, readonly: bool = False, busy_timeout: float = BUSY_TIMEOUT
) -> sqlite3.Connection:
    """An open, checked and migrated connection to the database at ``path``.

    A read-only open never creates the file and, when the schema is older, migrates it through a
    separate writing connection first.

    Raises:
        StoreError: the file is missing (read-only), damaged, locked, not writable, or newer.
    """
    if readonly and not path.exists():
        raise StoreError(
            f"No database at {str(path)!r}.",
            "Run `papersift run` first, or name the database with --db PATH or PAPERSIFT_DB.",
        )
    if not readonly:
        _make_parent(path)
    with translate(path, "open"):
        if readonly and _version_of(path, busy_timeout) < SCHEMA_VERSION:
            connect(path, busy_timeout=busy_timeout).close()
        connection = _open(path, readonly, busy_timeout)
        try:
            _prepare(connection, path, readonly)
        except BaseException:
            connection.close()
            raise
    return connection


def _make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"Cannot create the folder of the database {str(path)!r}: {exc.strerror}.",
            "Name a writable place with --db PATH, PAPERSIFT_DB or [store] path.",
        ) from None


def _open(path: Path, readonly: bool, busy_timeout: float) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?mode={'ro' if readonly else 'rwc'}"
    if readonly and not os.access(path.parent, os.W_OK):
        # A WAL database needs its -shm file, which a read-only folder cannot hold; nothing can
        # write there either, so the file is read as immutable.
        uri += "&immutable=1"
    connection = sqlite3.connect(
        uri, uri=True, timeout=busy_timeout, isolation_level=None, check_same_thread=False
    )
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def _version_of(path: Path, busy_timeout: float) -> int:
    connection = _open(path, True, busy_timeout)
    try:
        return schema_version(connection)
    finally:
        connection.close()


def _prepare(connection: sqlite3.Connection, path: Path, readonly: bool) -> None:
    version = schema_version(connection)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"The database {str(path)!r} has schema version {version}, newer than the "
            f"version {SCHEMA_VERSION} this papersift knows.",
            "Upgrade papersift, or name another database with --db PATH.",
        )
    if readonly:
        return
    if version == 0:
        _check_empty(connection, path)
    mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        logger.warning("Database %s runs in journal mode %s, not WAL", path, mode)
    connection.execute("PRAGMA synchronous = NORMAL")
    applied = migrate(connection)
    if applied and version:
        logger.info("Database %s migrated from version %d to %d", path, version, applied[-1])


def _check_empty(connection: sqlite3.Connection, path: Path) -> None:
    # One statement reads both in one snapshot, so a database another process is creating
    # right now (tables and version committed together) is not mistaken for a foreign one.
    tables, version = connection.execute(
        "SELECT count(*), (SELECT user_version FROM pragma_user_version) FROM sqlite_master"
    ).fetchone()
    if tables and not version:
        raise StoreError(
            f"The file {str(path)!r} is an SQLite database, but not one of papersift's.",
            "Name papersift's own database with --db PATH, or a new file to start afresh.",
        )


@contextlib.contextmanager
def translate(path: Path, action: str) -> Iterator[None]:
    """Turn SQLite's errors during ``action`` into a :class:`StoreError` that says what to do."""
    try:
        yield
    except sqlite3.Error as exc:
        raise _store_error(exc, path, action) from None


def _store_error(exc: sqlite3.Error, path: Path, action: str) -> StoreError:
    name = getattr(exc, "sqlite_errorname", "") or ""
    where = f"The database {str(path)!r}"
    text = str(exc)
    if name.startswith("SQLITE_FULL") or "disk is full" in text:
        return StoreError(
            f"{where} could not {action}: the disk is full. The write was undone.",
            "Free some space (or move the database with --db PATH) and run again.",
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return StoreError(
            f"{where} is locked by another program, so it could not {action}.",
            "Wait for the other papersift or sqlite3 session to finish, then run again.",
        )
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")) or "readonly" in text:
        return StoreError(
            f"{where} cannot be written, so it could not {action}: {text}.",
            "Make the file and its folder writable, or name another with --db PATH.",
        )
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")) or "not a database" in text:
        return StoreError(
            f"{where} is damaged or not a database ({text}), so it could not {action}.",
            "Move the file away to start a new database, or name another with --db PATH.",
        )
    return StoreError(f"{where} could not {action}: {text}.")


@contextlib.contextmanager
def transaction(connection: sqlite3.Connection, path: Path, action: str) -> Iterator[None]:
    """One ``BEGIN IMMEDIATE`` ... ``COMMIT``; any error rolls the whole of it back."""
    with translate(path, action):
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if connection.in_transaction:
                connection.rollback()
            raise
        connection.commit()


@contextlib.contextmanager
def run_lock(path: Path, timeout: float) -> Iterator[None]:
    """Hold ``<database>.lock`` so that two runs on one database never overlap.

    The lock is an ``flock`` the kernel drops when its process ends, killed or not. A second
    run waits up to ``timeout`` seconds for it.

    Raises:
        StoreError: the lock is still held after ``timeout`` seconds, or cannot be created.
    """
    lock_path = path.with_name(path.name + ".lock")
    try:
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(
            f"Cannot create the lock file {str(lock_path)!r}: {exc.strerror}.",
            "Make the database's folder writable, or name another with --db PATH.",
        ) from None
    try:
        _acquire(descriptor, lock_path, timeout)
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(descriptor)


def _acquire(descriptor: int, lock_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    waited = False
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if not waited:
                logger.info("Another run holds %s; waiting up to %.0f s", lock_path, timeout)
                waited = True
            if time.monotonic() >= deadline:
                message, hint = lock_holder(lock_path).describe(lock_path, timeout)
                raise StoreError(message, hint) from None
            time.sleep(0.1)
