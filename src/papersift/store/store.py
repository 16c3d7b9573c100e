"""The :class:`Store`: papers, announcements, caches, runs and digests in one SQLite file.

It is the embedding cache of the ranker and the judgment cache of the judge, behind the same
``load_``/``save_`` methods as the file cache, and each ``save_`` call is one committed
transaction: what a killed run had paid for is in the database when it is run again.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from papersift.models import Digest, Judgment, Listing, Paper
from papersift.store import deliveries
from papersift.store.connection import BUSY_TIMEOUT, connect, run_lock, transaction, translate

if TYPE_CHECKING:
    from papersift.deliver.base import Delivery

logger = logging.getLogger(__name__)

Key = tuple[str, int | None]
"""(arXiv id, version), the key of both caches."""

_CHUNK = 500
"""Ids per ``IN (...)`` lookup, below SQLite's limit on bound parameters."""


def _version(value: int | None) -> int:
    return 0 if value is None else value


def _key(paper_id: str, version: int) -> Key:
    return paper_id, (None if version == 0 else version)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class Store:
    """The database of one or more profiles; open it with :meth:`open`, close it when done."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path
        self.saved_embeddings = 0
        """Vectors saved through this store object, so a run can report what it computed."""
        self.saved_judgments = 0
        """Judgments saved through this store object."""

    @classmethod
    def open(
        cls, path: Path, *, readonly: bool = False, busy_timeout: float = BUSY_TIMEOUT
    ) -> Store:
        """Open (creating and migrating as needed) the database at ``path``."""
        return cls(connect(path, readonly=readonly, busy_timeout=busy_timeout), path)

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self, action: str) -> AbstractContextManager[None]:
        """One committed unit of writes; ``action`` names it in error messages."""
        return transaction(self.connection, self.path, action)

    def reading(self, action: str) -> AbstractContextManager[None]:
        """Translate SQLite errors while reading."""
        return translate(self.path, action)

    def run_lock(self, timeout: float) -> AbstractContextManager[None]:
        """Hold the lock that keeps two runs on this database apart."""
        return run_lock(self.path, timeout)

    def load_embeddings(self, model: str, keys: list[Key]) -> dict[Key, NDArray[np.float32]]:
        """The stored vectors of ``model`` for those of ``keys`` that have one."""
        wanted = set(keys)
        found: dict[Key, NDArray[np.float32]] = {}
        ids = sorted({paper_id for paper_id, _ in keys})
        with self.reading("read embeddings"):
            for chunk in _chunks(ids):
                rows = self.connection.execute(
                    "SELECT paper_id, version, vector FROM embeddings WHERE model = ? "
                    f"AND paper_id IN ({','.join('?' * len(chunk))})",
                    (model, *chunk),
                )
                for paper_id, version, blob in rows:
                    key = _key(paper_id, version)
                    if key in wanted:
                        found[key] = np.frombuffer(blob, dtype=np.float32)
        logger.debug("Embedding cache: %d of %d found for %s", len(found), len(keys), model)
        return found

    def save_embeddings(self, model: str, vectors: dict[Key, NDArray[np.float32]]) -> None:
        """Keep ``vectors`` (committed before returning), replacing any under the same key."""
        if not vectors:
            return
        rows = [
            (model, paper_id, _version(version), np.asarray(vector, dtype=np.float32).tobytes())
            for (paper_id, version), vector in vectors.items()
        ]
        with self.transaction("save embeddings"):
            self.connection.executemany(
                "INSERT OR REPLACE INTO embeddings (model, paper_id, version, vector) "
                "VALUES (?, ?, ?, ?)",
                rows,
            )
        self.saved_embeddings += len(rows)

    def load_judgments(self, model: str, prompt_hash: str, keys: list[Key]) -> dict[Key, Judgment]:
        """The stored judgments under ``model`` and ``prompt_hash`` for those of ``keys``."""
        wanted = set(keys)
        found: dict[Key, Judgment] = {}
        ids = sorted({paper_id for paper_id, _ in keys})
        with self.reading("read judgments"):
            for chunk in _chunks(ids):
                rows = self.connection.execute(
                    "SELECT paper_id, version, relevance, novelty, comment, flags, prompt_tokens,"
                    " completion_tokens, cost, duration_ms FROM judgments WHERE model = ? AND "
                    f"prompt_hash = ? AND paper_id IN ({','.join('?' * len(chunk))})",
                    (model, prompt_hash, *chunk),
                )
                for row in rows:
                    key = _key(row[0], row[1])
                    if key in wanted:
                        found[key] = _judgment(row, model, prompt_hash)
        logger.debug("Judgment cache: %d of %d found for %s", len(found), len(keys), model)
        return found

    def save_judgments(self, judgments: list[Judgment]) -> None:
        """Keep ``judgments`` (committed before returning), replacing any under the same key."""
        if not judgments:
            return
        now = _now()
        rows = [
            (
                j.model,
                j.prompt_hash,
                j.paper_id,
                _version(j.version),
                j.relevance,
                j.novelty,
                j.comment,
                json.dumps(list(j.flags)),
                j.prompt_tokens,
                j.completion_tokens,
                j.cost,
                j.duration_ms,
                now,
            )
            for j in judgments
        ]
        with self.transaction("save judgments"):
            self.connection.executemany(
                "INSERT OR REPLACE INTO judgments (model, prompt_hash, paper_id, version, "
                "relevance, novelty, comment, flags, prompt_tokens, completion_tokens, cost, "
                "duration_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        self.saved_judgments += len(rows)

    def save_delivery(self, record: Delivery) -> None:
        """Keep a delivery record, superseding the earlier one of its channel, target and day."""
        deliveries.save_delivery(self, record)

    def load_failed_deliveries(self) -> list[Delivery]:
        """The latest record of every delivery whose latest attempt failed, oldest first."""
        return deliveries.load_failed_deliveries(self)

    def save_listing(self, listing: Listing) -> None:
        """Record the listing's papers and announcements; known ones are updated, not doubled."""
        now = _now()
        papers = [_paper_row(paper, now) for paper in listing.papers.values()]
        versions = {paper.id: _version(paper.version) for paper in listing.papers.values()}
        announcements = [
            (
                a.date.isoformat(),
                a.paper_id,
                _version(a.version) if a.version is not None else versions.get(a.paper_id, 0),
                a.category,
                a.announce_type,
                a.source,
            )
            for a in listing.announcements
            if a.paper_id in versions
        ]
        with self.transaction("save the listing"):
            self.connection.executemany(
                "INSERT INTO papers (paper_id, version, title, authors, abstract, categories, "
                "comments, primary_category, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (paper_id, version) DO UPDATE SET title = excluded.title, "
                "authors = excluded.authors, abstract = excluded.abstract, "
                "categories = excluded.categories, comments = excluded.comments, "
                "primary_category = excluded.primary_category",
                papers,
            )
            self.connection.executemany(
                "INSERT OR IGNORE INTO announcements (date, paper_id, version, category, "
                "announce_type, source) VALUES (?, ?, ?, ?, ?, ?)",
                announcements,
            )

    def shown_before(
        self, profile: str, date: dt.date, paper_ids: Iterable[str]
    ) -> dict[str, int | None]:
        """Of ``paper_ids``, those in a digest of ``profile`` before ``date``, with the newest
        version shown."""
        ids = sorted(set(paper_ids))
        shown: dict[str, int | None] = {}
        with self.reading("read earlier digests"):
            for chunk in _chunks(ids):
                rows = self.connection.execute(
                    "SELECT e.paper_id, max(e.version) FROM digest_entries e "
                    "JOIN digests d ON d.digest_id = e.digest_id "
                    "WHERE d.profile = ? AND d.date < ? "
                    f"AND e.paper_id IN ({','.join('?' * len(chunk))}) GROUP BY e.paper_id",
                    (profile, date.isoformat(), *chunk),
                )
                for paper_id, version in rows:
                    shown[paper_id] = None if version == 0 else version
        return shown

    def start_run(
        self, date: dt.date | None, profile: str, config_hash: str, backfilled: bool = False
    ) -> int:
        """Record a run as started; runs left ``running`` by a killed process become
        ``interrupted`` (the caller holds the run lock, so none of them is alive)."""
        with self.transaction("record the run"):
            self.connection.execute(
                "UPDATE runs SET status = 'interrupted' WHERE status = 'running'"
            )
            cursor = self.connection.execute(
                "INSERT INTO runs (date, profile, started_at, status, config_hash, backfilled) "
                "VALUES (?, ?, ?, 'running', ?, ?)",
                (date.isoformat() if date else None, profile, _now(), config_hash, int(backfilled)),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def finish_run(self, run_id: int, status: str, counts: RunCounts) -> None:
        """Record the end of a run with its counts, tokens and cost."""
        with self.transaction("record the end of the run"):
            self.connection.execute(
                "UPDATE runs SET ended_at = ?, status = ?, date = coalesce(?, date), papers = ?, "
                "scanned = ?, selected = ?, embedded = ?, prompt_tokens = ?, "
                "completion_tokens = ?, cost = ?, message = ? WHERE run_id = ?",
                (
                    _now(),
                    status,
                    counts.date.isoformat() if counts.date else None,
                    counts.papers,
                    counts.scanned,
                    counts.selected,
                    counts.embedded,
                    counts.prompt_tokens,
                    counts.completion_tokens,
                    counts.cost,
                    counts.message,
                    run_id,
                ),
            )

    def save_digest(self, digest: Digest, run_id: int | None) -> int:
        """Record which papers the digest shows, in order, replacing that date's earlier one."""
        entries = [
            (position, e.paper.id, _version(e.paper.version), e.score, e.relevance, e.novelty)
            for position, e in enumerate(digest.entries, 1)
        ]
        with self.transaction("save the digest"):
            self.connection.executemany(
                "INSERT OR IGNORE INTO papers (paper_id, version, title, authors, abstract, "
                "categories, comments, primary_category, first_seen) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_paper_row(e.paper, _now()) for e in digest.entries],
            )
            row = self.connection.execute(
                "INSERT INTO digests (date, profile, run_id, created_at, total_papers, "
                "scanned_papers, ranker, backfilled) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (date, profile) DO UPDATE SET run_id = excluded.run_id, "
                "created_at = excluded.created_at, total_papers = excluded.total_papers, "
                "scanned_papers = excluded.scanned_papers, ranker = excluded.ranker, "
                "backfilled = excluded.backfilled RETURNING digest_id",
                (
                    digest.date.isoformat(),
                    digest.profile,
                    run_id,
                    _now(),
                    digest.total_papers,
                    digest.scanned_papers,
                    digest.ranker,
                    int(digest.backfilled),
                ),
            ).fetchone()
            digest_id = int(row[0])
            self.connection.execute("DELETE FROM digest_entries WHERE digest_id = ?", (digest_id,))
            self.connection.executemany(
                "INSERT INTO digest_entries (digest_id, position, paper_id, version, score, "
                "relevance, novelty) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(digest_id, *entry) for entry in entries],
            )
        return digest_id

    def digest_dates(self, profile: str, start: dt.date, end: dt.date) -> set[dt.date]:
        """The dates from ``start`` to ``end`` that have a digest of ``profile``."""
        with self.reading("read digests"):
            rows = self.connection.execute(
                "SELECT date FROM digests WHERE profile = ? AND date BETWEEN ? AND ?",
                (profile, start.isoformat(), end.isoformat()),
            ).fetchall()
        return {dt.date.fromisoformat(row[0]) for row in rows}

    def counts(self) -> dict[str, int]:
        """Rows per table, for tests and the benchmark."""
        tables = ["papers", "announcements", "embeddings", "judgments", "runs", "digests"]
        tables += ["digest_entries", "deliveries"]
        with self.reading("count rows"):
            return {
                table: int(self.connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
                for table in tables
            }


@dataclass(slots=True, kw_only=True)
class RunCounts:
    """What a run did, recorded when it ends."""

    date: dt.date | None = None
    papers: int = 0
    scanned: int = 0
    selected: int = 0
    embedded: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = 0.0
    message: str = ""


def _paper_row(paper: Paper, now: str) -> tuple[object, ...]:
    return (
        paper.id,
        _version(paper.version),
        paper.title,
        json.dumps(list(paper.authors), ensure_ascii=False),
        paper.abstract,
        json.dumps(list(paper.categories)),
        paper.comments,
        paper.primary_category,
        now,
    )


def row_paper(row: sqlite3.Row | tuple[object, ...]) -> Paper:
    """A paper from the columns ``paper_id, version, title, authors, abstract, categories,
    comments, primary_category`` in that order."""
    paper_id, version, title, authors, abstract, categories, comments, primary = tuple(row)[:8]
    return Paper(
        id=str(paper_id),
        version=None if version == 0 else int(version),  # type: ignore[call-overload]
        title=str(title),
        authors=tuple(json.loads(str(authors))),
        abstract=str(abstract),
        categories=tuple(json.loads(str(categories))),
        comments=None if comments is None else str(comments),
        primary_category=None if primary is None else str(primary),
    )


def _judgment(row: tuple[object, ...], model: str, prompt_hash: str) -> Judgment:
    paper_id, version, relevance, novelty, comment, flags, prompt, completion, cost, ms = row
    return Judgment(
        paper_id=str(paper_id),
        version=None if version == 0 else int(version),  # type: ignore[call-overload]
        model=model,
        prompt_hash=prompt_hash,
        relevance=None if relevance is None else float(relevance),  # type: ignore[arg-type]
        novelty=None if novelty is None else float(novelty),  # type: ignore[arg-type]
        comment=str(comment),
        flags=tuple(json.loads(str(flags))),
        prompt_tokens=int(prompt),  # type: ignore[call-overload]
        completion_tokens=int(completion),  # type: ignore[call-overload]
        cost=None if cost is None else float(cost),  # type: ignore[arg-type]
        duration_ms=int(ms),  # type: ignore[call-overload]
    )
