"""Reading the history back: runs, everything known about a paper, and digest entries to export."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from papersift.models import Paper
from papersift.store.store import Store, row_paper

_PAPER_COLUMNS = (
    "p.paper_id, p.version, p.title, p.authors, p.abstract, p.categories, p.comments, "
    "p.primary_category"
)


@dataclass(frozen=True, slots=True)
class RunRow:
    """One recorded run."""

    run_id: int
    date: str | None
    profile: str
    started_at: str
    ended_at: str | None
    status: str
    papers: int
    scanned: int
    selected: int
    embedded: int
    prompt_tokens: int
    completion_tokens: int
    cost: float | None
    backfilled: bool
    message: str


_SINCE_START = (
    "FROM judgments j WHERE j.created_at >= runs.started_at AND j.created_at < coalesce("
    "(SELECT min(later.started_at) FROM runs later WHERE later.run_id > runs.run_id), '~')"
)
_SPENT = ", ".join(
    f"CASE WHEN ended_at IS NULL OR status = 'failed' THEN (SELECT {so_far} {_SINCE_START}) "
    f"ELSE {recorded} END"
    for so_far, recorded in (
        ("coalesce(sum(j.prompt_tokens), 0)", "prompt_tokens"),
        ("coalesce(sum(j.completion_tokens), 0)", "completion_tokens"),
        ("CASE WHEN count(*) = 0 THEN 0.0 ELSE sum(j.cost) END", "cost"),
    )
)
"""A run's tokens and cost. A run records them when it ends with a digest; for one still going,
killed or failed they are summed from the judgments it committed: those saved from its start
until the next run's, as the run lock keeps runs from overlapping."""


def load_runs(store: Store, limit: int = 30, profile: str | None = None) -> list[RunRow]:
    """The latest ``limit`` runs, newest first."""
    where, params = ("WHERE profile = ?", [profile]) if profile else ("", [])
    with store.reading("read the runs"):
        rows = store.connection.execute(
            "SELECT run_id, date, profile, started_at, ended_at, status, papers, scanned, "
            f"selected, embedded, {_SPENT}, backfilled, message "
            f"FROM runs {where} ORDER BY run_id DESC LIMIT ?",
            (*params, limit),
        ).fetchall()
    return [RunRow(*row[:13], bool(row[13]), row[14]) for row in rows]


def load_paper_history(store: Store, paper_id: str) -> dict[str, Any] | None:
    """Everything known about ``paper_id``: versions, listings, scores by model, digests.

    Returns ``None`` when the store has never seen the paper.
    """
    connection = store.connection
    with store.reading(f"read paper {paper_id!r}"):
        versions = connection.execute(
            f"SELECT {_PAPER_COLUMNS}, p.first_seen FROM papers p WHERE p.paper_id = ? "
            "ORDER BY p.version",
            (paper_id,),
        ).fetchall()
        if not versions:
            return None
        announcements = connection.execute(
            "SELECT date, version, category, announce_type, source FROM announcements "
            "WHERE paper_id = ? ORDER BY date, category",
            (paper_id,),
        ).fetchall()
        judgments = connection.execute(
            "SELECT model, prompt_hash, version, relevance, novelty, comment, prompt_tokens, "
            "completion_tokens, cost, created_at FROM judgments WHERE paper_id = ? "
            "ORDER BY created_at, model",
            (paper_id,),
        ).fetchall()
        embeddings = connection.execute(
            "SELECT model, version, length(vector) / 4 FROM embeddings WHERE paper_id = ? "
            "ORDER BY model, version",
            (paper_id,),
        ).fetchall()
        digests = connection.execute(
            "SELECT d.date, d.profile, e.position, e.version, e.score, e.relevance, e.novelty, "
            "d.backfilled FROM digest_entries e JOIN digests d ON d.digest_id = e.digest_id "
            "WHERE e.paper_id = ? ORDER BY d.date, d.profile",
            (paper_id,),
        ).fetchall()
    latest = row_paper(versions[-1])
    return {
        "paper": _paper_dict(latest),
        "versions": [{"version": row[1] or None, "first_seen": row[8]} for row in versions],
        "announcements": [
            dict(zip(("date", "version", "category", "announce_type", "source"), row, strict=True))
            for row in announcements
        ],
        "judgments": [
            dict(
                zip(
                    (
                        "model",
                        "prompt_hash",
                        "version",
                        "relevance",
                        "novelty",
                        "comment",
                        "prompt_tokens",
                        "completion_tokens",
                        "cost",
                        "created_at",
                    ),
                    row,
                    strict=True,
                )
            )
            for row in judgments
        ],
        "embeddings": [
            {"model": row[0], "version": row[1] or None, "dimensions": row[2]} for row in embeddings
        ],
        "digests": [
            {
                "date": row[0],
                "profile": row[1],
                "position": row[2],
                "version": row[3] or None,
                "score": row[4],
                "relevance": row[5],
                "novelty": row[6],
                "backfilled": bool(row[7]),
            }
            for row in digests
        ],
    }


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One paper as shown in one digest."""

    date: dt.date
    profile: str
    position: int
    paper: Paper
    score: float
    relevance: float | None
    novelty: float | None


def load_shown(
    store: Store,
    start: dt.date | None = None,
    end: dt.date | None = None,
    min_relevance: float | None = None,
    profile: str | None = None,
) -> list[ExportRow]:
    """The papers shown in digests from ``start`` to ``end``, by date and position.

    With ``min_relevance``, only judged papers at or above it are kept.
    """
    clauses, params = ["1 = 1"], []
    for clause, value in (
        ("d.date >= ?", start.isoformat() if start else None),
        ("d.date <= ?", end.isoformat() if end else None),
        ("e.relevance >= ?", min_relevance),
        ("d.profile = ?", profile),
    ):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    with store.reading("read the digests"):
        rows = store.connection.execute(
            f"SELECT {_PAPER_COLUMNS}, d.date, d.profile, e.position, e.score, e.relevance, "
            "e.novelty FROM digest_entries e JOIN digests d ON d.digest_id = e.digest_id "
            "JOIN papers p ON p.paper_id = e.paper_id AND p.version = e.version "
            f"WHERE {' AND '.join(clauses)} ORDER BY d.date, d.profile, e.position",
            params,
        ).fetchall()
    return [
        ExportRow(dt.date.fromisoformat(row[8]), row[9], row[10], row_paper(row), *row[11:14])
        for row in rows
    ]


def _paper_dict(paper: Paper) -> dict[str, Any]:
    return {
        "id": paper.id,
        "version": paper.version,
        "title": paper.title,
        "authors": list(paper.authors),
        "abstract": paper.abstract,
        "categories": list(paper.categories),
        "primary_category": paper.primary,
        "comments": paper.comments,
        "abs_url": paper.abs_url,
    }


def export_dict(row: ExportRow) -> dict[str, Any]:
    """One exported row as JSON-ready values."""
    return {
        "date": row.date.isoformat(),
        "profile": row.profile,
        "position": row.position,
        **_paper_dict(row.paper),
        "score": row.score,
        "relevance": row.relevance,
        "novelty": row.novelty,
    }


def dumps(value: Any) -> str:
    """Compact, stable JSON."""
    return json.dumps(value, ensure_ascii=False, sort_keys=False)
