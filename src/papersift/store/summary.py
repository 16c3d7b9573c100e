"""What the store holds at a glance, to say why a history or export query found nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from papersift.store.store import Store


@dataclass(frozen=True, slots=True)
class DigestSpan:
    """The digests of one profile (or of all profiles): how many, and their first and last date."""

    count: int
    first: dt.date | None
    last: dt.date | None


def run_profiles(store: Store) -> list[str]:
    """The profiles that have at least one recorded run, by name."""
    with store.reading("read the runs"):
        rows = store.connection.execute(
            "SELECT DISTINCT profile FROM runs ORDER BY profile"
        ).fetchall()
    return [row[0] for row in rows]


def digest_profiles(store: Store) -> list[str]:
    """The profiles that have at least one digest, by name."""
    with store.reading("read the digests"):
        rows = store.connection.execute(
            "SELECT DISTINCT profile FROM digests ORDER BY profile"
        ).fetchall()
    return [row[0] for row in rows]


def digest_span(
    store: Store,
    profile: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> DigestSpan:
    """How many digests ``profile`` (or any profile) has from ``start`` to ``end`` (both
    optional), and the dates of the first and last."""
    clauses, params = ["1 = 1"], []
    for clause, value in (
        ("profile = ?", profile),
        ("date >= ?", start.isoformat() if start else None),
        ("date <= ?", end.isoformat() if end else None),
    ):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    with store.reading("read the digests"):
        count, first, last = store.connection.execute(
            f"SELECT count(*), min(date), max(date) FROM digests WHERE {' AND '.join(clauses)}",
            params,
        ).fetchone()
    return DigestSpan(
        count,
        dt.date.fromisoformat(first) if first else None,
        dt.date.fromisoformat(last) if last else None,
    )
