"""The digests already written: the ``YYYY-MM/YYYY-MM-DD.json`` files under the output folder.

The web app browses them and ``papersift rate`` finds a paper's text in them. Only files of the
schema ``papersift.digest/1`` are read; others are skipped with a warning.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from papersift.models import Paper
from papersift.profile import paper_from_dict

logger = logging.getLogger(__name__)

SCHEMA = "papersift.digest/1"
_DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")


@dataclass(slots=True)
class ArchivedDay:
    """One written digest: its date, profile and paper records (selected first)."""

    date: dt.date
    profile: str
    ranker: str
    entries: list[dict[str, Any]]
    """The digest's paper records as written, selected ones (with a rank) first."""

    def paper(self, paper_id: str) -> dict[str, Any] | None:
        """The record of ``paper_id`` on this day, if listed."""
        return next((e for e in self.entries if e.get("id") == paper_id), None)


def digest_paths(out_dir: Path) -> list[Path]:
    """The digest JSON files under ``out_dir``, newest first."""
    if not out_dir.is_dir():
        return []
    paths = [p for p in out_dir.glob("*/*.json") if _DAY_FILE.match(p.name)]
    return sorted(paths, key=lambda p: p.name, reverse=True)


def load_day(path: Path) -> ArchivedDay | None:
    """Read one digest file; ``None`` (with a warning) when it is not a readable digest."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("schema") != SCHEMA:
            raise ValueError(f"schema is {data.get('schema')!r}, not {SCHEMA!r}")
        entries = list(data.get("papers") or []) + list(data.get("unselected") or [])
        return ArchivedDay(
            dt.date.fromisoformat(data["date"]),
            str(data.get("profile") or ""),
            str(data.get("ranker") or ""),
            [e for e in entries if isinstance(e, dict) and e.get("id")],
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        logger.warning("Digest %s skipped: %s", path, exc)
        return None


def load_days(out_dir: Path) -> list[ArchivedDay]:
    """Every readable digest under ``out_dir``, newest first."""
    days = [load_day(path) for path in digest_paths(out_dir)]
    return [day for day in days if day is not None]


def find_paper(out_dir: Path, paper_id: str) -> Paper | None:
    """The paper's text from the newest digest that lists it."""
    for day in load_days(out_dir):
        record = day.paper(paper_id)
        if record is not None:
            return paper_from_dict(record)
    return None
