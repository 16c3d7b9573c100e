"""The store's caches, listings and digests on a real SQLite file."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from papersift.models import Digest, DigestEntry, Judgment, Listing
from papersift.sources import load_listing_files
from papersift.store import SCHEMA_VERSION, Store

DAY = dt.date(2026, 5, 26)


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "papersift.sqlite3") as opened:
        yield opened


@pytest.fixture
def sample_listing(demo_day: Path) -> Listing:
    return load_listing_files(demo_day / "rss-cs.LG+cs.AI.xml")


def test_new_database_is_wal_with_foreign_keys(store: Store) -> None:
    connection = store.connection
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    expected = {"papers", "announcements", "embeddings", "judgments", "runs", "digests"}
    assert expected | {"digest_entries", "deliveries"} <= tables


def test_embeddings_round_trip_per_model_and_version(store: Store) -> None:
    rng = np.random.default_rng(1)
    vectors = {
        ("2605.00001", 1): rng.random(384, dtype=np.float32),
        ("2605.00002", None): rng.random(384, dtype=np.float32),
    }
    store.save_embeddings("m1", vectors)
    found = store.load_embeddings(
        "m1", [("2605.00001", 1), ("2605.00002", None), ("2605.00001", 2)]
    )
    assert set(found) == {("2605.00001", 1), ("2605.00002", None)}
    for key, vector in vectors.items():
        assert found[key].dtype == np.float32
        np.testing.assert_array_equal(found[key], vector)
    assert store.load_embeddings("m2", list(vectors)) == {}
    store.save_embeddings("m1", {("2605.00001", 1): np.zeros(384, dtype=np.float32)})
    assert not store.load_embeddings("m1", [("2605.00001", 1)])[("2605.00001", 1)].any()


def test_embedding_lookup_of_many_keys(store: Store) -> None:
    keys = [(f"2605.{n:05d}", 1) for n in range(1500)]
    store.save_embeddings("m", {key: np.full(4, n, dtype=np.float32) for n, key in enumerate(keys)})
    found = store.load_embeddings("m", keys)
    assert len(found) == 1500 and found[keys[1234]][0] == 1234


def judgment(paper_id: str, version: int | None, relevance: float, prompt: str = "p1") -> Judgment:
    return Judgment(
        paper_id=paper_id,
        version=version,
        model="gpt-test",
        prompt_hash=prompt,
        relevance=relevance,
        novelty=None,
        comment=f"comment on {paper_id}",
        flags=("relevance clamped from 12",),
        prompt_tokens=120,
        completion_tokens=30,
        cost=None,
        duration_ms=850,
    )


def test_judgments_round_trip_keyed_by_model_prompt_and_version(store: Store) -> None:
    saved = [judgment("2605.00001", 1, 8.0), judgment("2605.00002", None, 3.5)]
    store.save_judgments(saved)
    keys = [("2605.00001", 1), ("2605.00002", None), ("2605.00001", 2)]
    found = store.load_judgments("gpt-test", "p1", keys)
    assert found == {("2605.00001", 1): saved[0], ("2605.00002", None): saved[1]}
    assert store.load_judgments("gpt-test", "other prompt", keys) == {}
    assert store.load_judgments("other-model", "p1", keys) == {}


def test_listing_saved_twice_is_not_doubled(store: Store, sample_listing: Listing) -> None:
    store.save_listing(sample_listing)
    first = store.counts()
    store.save_listing(sample_listing)
    assert store.counts() == first
    assert first["papers"] == len(sample_listing.papers)
    assert first["announcements"] == len(
        {(a.paper_id, a.category, a.announce_type) for a in sample_listing.announcements}
    )


def digest_of(listing: Listing, ids: list[str], date: dt.date = DAY) -> Digest:
    entries = [
        DigestEntry(paper=listing.papers[i], score=0.5, topic=None, comment="", announce_type="new")
        for i in ids
    ]
    return Digest(date=date, profile="p", entries=entries, total_papers=10, scanned_papers=10)


def test_digest_replaced_on_rerun_and_shown_before(store: Store, sample_listing: Listing) -> None:
    ids = sorted(sample_listing.papers)
    store.save_listing(sample_listing)
    store.save_digest(digest_of(sample_listing, ids[:3]), None)
    store.save_digest(digest_of(sample_listing, ids[1:4]), None)
    assert store.counts()["digests"] == 1 and store.counts()["digest_entries"] == 3
    rows = store.connection.execute("SELECT paper_id FROM digest_entries ORDER BY position")
    assert [row[0] for row in rows] == ids[1:4]

    assert store.shown_before("p", DAY, ids) == {}
    later = store.shown_before("p", DAY + dt.timedelta(days=1), ids[:6])
    assert set(later) == set(ids[1:4])
    assert store.shown_before("other profile", DAY + dt.timedelta(days=1), ids) == {}
    assert store.digest_dates("p", DAY, DAY) == {DAY}


def test_foreign_keys_refuse_an_entry_without_its_paper(store: Store) -> None:
    store.connection.execute(
        "INSERT INTO digests (date, profile, created_at, total_papers, scanned_papers, ranker) "
        "VALUES ('2026-05-26', 'p', 'now', 0, 0, 'r')"
    )
    with pytest.raises(sqlite3.IntegrityError):
        store.connection.execute(
            "INSERT INTO digest_entries VALUES (1, 1, 'no.such', 1, 0.5, NULL, NULL)"
        )
