"""The learned ranker's history in the database: examples, ratings and the fitted model.

Implements :class:`papersift.profile.ProfileStore` over the tables of schema version 3; a paper's
text lives once in ``papers``, shared with the rest of the store.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from papersift.config import StoreSettings
from papersift.models import Paper
from papersift.profile import Example, ModelBlob, Rating
from papersift.store.store import Store, _now, _paper_row, _version, row_paper

_PAPER_COLUMNS = (
    "p.paper_id, p.version, p.title, p.authors, p.abstract, p.categories, p.comments, "
    "p.primary_category"
)

_RATED_VERSION = (
    "COALESCE((SELECT version FROM papers WHERE paper_id = r.paper_id AND version = r.version), "
    "(SELECT MAX(version) FROM papers WHERE paper_id = r.paper_id))"
)
"""The version whose text a rating trains on: the rated one if known, else the latest known."""


def find_paper(store: Store, paper_id: str) -> Paper | None:
    """The latest known version of ``paper_id`` in the store's papers, if any."""
    with store.reading("look up the paper"):
        row = store.connection.execute(
            "SELECT paper_id, version, title, authors, abstract, categories, comments, "
            "primary_category FROM papers WHERE paper_id = ? ORDER BY version DESC LIMIT 1",
            (paper_id,),
        ).fetchone()
    return None if row is None else row_paper(row)


class SqliteProfileStore:
    """A profile store in the SQLite store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def load_examples(self, profile: str, before: dt.date | None = None) -> list[Example]:
        query = (
            f"SELECT {_PAPER_COLUMNS}, e.date, e.relevance, e.novelty, e.origin "
            "FROM profile_examples e JOIN papers p "
            "ON p.paper_id = e.paper_id AND p.version = e.version WHERE e.profile = ?"
        )
        arguments: list[object] = [profile]
        if before is not None:
            query += " AND e.date < ?"
            arguments.append(before.isoformat())
        with self.store.reading("read the profile's examples"):
            rows = self.store.connection.execute(query + " ORDER BY e.date", arguments).fetchall()
        return [
            Example(row_paper(row[:8]), dt.date.fromisoformat(row[8]), row[9], row[10], row[11])
            for row in rows
        ]

    def save_examples(self, profile: str, examples: Sequence[Example]) -> None:
        if not examples:
            return
        now = _now()
        with self.store.transaction("save the profile's examples"):
            self.store.connection.executemany(
                "INSERT OR IGNORE INTO papers (paper_id, version, title, authors, abstract, "
                "categories, comments, primary_category, first_seen) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_paper_row(e.paper, now) for e in examples],
            )
            self.store.connection.executemany(
                "INSERT OR REPLACE INTO profile_examples (profile, paper_id, version, date, "
                "origin, relevance, novelty) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        profile,
                        e.paper.id,
                        _version(e.paper.version),
                        e.date.isoformat(),
                        e.origin,
                        e.relevance,
                        e.novelty,
                    )
                    for e in examples
                ],
            )

    def load_ratings(self, profile: str) -> list[Rating]:
        with self.store.reading("read the ratings"):
            rows = self.store.connection.execute(
                f"SELECT r.paper_id, r.kind, r.rated_at, r.note, {_PAPER_COLUMNS} "
                "FROM ratings r LEFT JOIN papers p ON p.paper_id = r.paper_id AND p.version = "
                f"{_RATED_VERSION} "
                "WHERE r.profile = ? ORDER BY r.rated_at, r.rating_id",
                (profile,),
            ).fetchall()
        return [
            Rating(
                row[0],
                row[1],
                dt.datetime.fromisoformat(row[2]),
                row[3],
                row_paper(row[4:]) if row[4] is not None else None,
            )
            for row in rows
        ]

    def save_rating(self, profile: str, rating: Rating) -> None:
        paper = rating.paper
        with self.store.transaction("save the rating"):
            if paper is not None:
                self.store.connection.execute(
                    "INSERT OR IGNORE INTO papers (paper_id, version, title, authors, abstract, "
                    "categories, comments, primary_category, first_seen) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    _paper_row(paper, _now()),
                )
            self.store.connection.execute(
                "INSERT INTO ratings (profile, paper_id, version, kind, note, rated_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    profile,
                    rating.paper_id,
                    _version(paper.version) if paper else None,
                    rating.kind,
                    rating.note,
                    rating.at.isoformat(),
                ),
            )

    def save_model(self, profile: str, model: ModelBlob) -> None:
        with self.store.transaction("save the learned model"):
            self.store.connection.execute(
                "INSERT OR REPLACE INTO profile_models (profile, data, meta, updated_at) "
                "VALUES (?, ?, ?, ?)",
                (profile, model.data, json.dumps(model.meta), _now()),
            )

    def load_model(self, profile: str) -> ModelBlob | None:
        with self.store.reading("read the learned model"):
            row = self.store.connection.execute(
                "SELECT data, meta FROM profile_models WHERE profile = ?", (profile,)
            ).fetchone()
        return None if row is None else ModelBlob(bytes(row[0]), json.loads(row[1]))


class DatabaseProfileStore:
    """A profile store that opens the configured database for each call (safe across threads)."""

    def __init__(self, settings: StoreSettings) -> None:
        self.settings = settings

    def _call(self, method: str, *arguments: Any) -> Any:
        from papersift.store.runs import open_store

        with open_store(self.settings) as store:
            return getattr(SqliteProfileStore(store), method)(*arguments)

    def load_examples(self, profile: str, before: dt.date | None = None) -> list[Example]:
        return self._call("load_examples", profile, before)  # type: ignore[no-any-return]

    def save_examples(self, profile: str, examples: Sequence[Example]) -> None:
        self._call("save_examples", profile, examples)

    def load_ratings(self, profile: str) -> list[Rating]:
        return self._call("load_ratings", profile)  # type: ignore[no-any-return]

    def save_rating(self, profile: str, rating: Rating) -> None:
        self._call("save_rating", profile, rating)

    def save_model(self, profile: str, model: ModelBlob) -> None:
        self._call("save_model", profile, model)

    def load_model(self, profile: str) -> ModelBlob | None:
        return self._call("load_model", profile)  # type: ignore[no-any-return]
