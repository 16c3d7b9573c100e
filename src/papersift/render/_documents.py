"""Reading digest documents back from the JSON files of an output folder.

The files are ``OUT/YYYY-MM/YYYY-MM-DD.json`` in the ``papersift.digest/1`` schema; the site,
the feed and retried deliveries are all built from them, never from the running pipeline.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

from papersift.errors import InputError

logger = logging.getLogger(__name__)

SCHEMA_PREFIX = "papersift.digest/"


def load_digest_documents(out_dir: Path) -> list[dict[str, Any]]:
    """Every readable digest document under ``out_dir``, oldest first, one per day.

    A file that is not a digest document is skipped with a warning naming it.
    """
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(out_dir.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]/*.json")):
        document = _read_document(path)
        if document is None:
            continue
        if document["date"] in found:
            logger.warning("Two digests for %s; keeping %s", document["date"], path)
        found[document["date"]] = document
    return [found[day] for day in sorted(found)]


def _read_document(path: Path) -> dict[str, Any] | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        logger.warning("Skipping %s: not readable JSON (%s)", path, exc)
        return None
    schema = document.get("schema") if isinstance(document, dict) else None
    if not isinstance(schema, str) or not schema.startswith(SCHEMA_PREFIX):
        logger.warning("Skipping %s: not a papersift digest (schema %r)", path, schema)
        return None
    try:
        dt.date.fromisoformat(document["date"])
    except (KeyError, TypeError, ValueError):
        logger.warning("Skipping %s: the digest has no valid date", path)
        return None
    result: dict[str, Any] = document
    return result


def latest_digest_date(out_dir: Path) -> dt.date:
    """The date of the newest digest under ``out_dir``.

    Raises:
        InputError: there is none.
    """
    documents = load_digest_documents(out_dir)
    if not documents:
        raise InputError(
            f"No digest JSON files under {str(out_dir)!r}.",
            'Run `papersift run` with "json" in [output] formats first, or pass --out.',
        )
    return dt.date.fromisoformat(documents[-1]["date"])


def load_document(out_dir: Path, date: dt.date) -> dict[str, Any]:
    """The digest document of ``date`` from its JSON file under ``out_dir``.

    Raises:
        InputError: the file is missing or unreadable.
    """
    path = out_dir / f"{date:%Y-%m}" / f"{date.isoformat()}.json"
    if not path.exists():
        raise InputError(
            f"The digest of {date} is not at {str(path)!r}.",
            'Keep "json" in [output] formats so deliveries can be sent again, or pass --out.',
        )
    document = _read_document(path)
    if document is None:
        raise InputError(f"The digest file {str(path)!r} is not a readable papersift digest.")
    return document
