"""The SQLite store: what papersift has fetched, embedded, judged, shown and delivered."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from papersift.store.schema import SCHEMA_VERSION
from papersift.store.store import RunCounts, Store

__all__ = ["SCHEMA_VERSION", "RunCounts", "Store", "default_path"]

DB_NAME = "papersift.sqlite3"


def default_path() -> Path:
    """The database under the user's data directory, used when no path is configured."""
    return Path(platformdirs.user_data_dir("papersift")) / DB_NAME
