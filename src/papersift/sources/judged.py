"""Labelled days: one paper per JSON line with the relevance and novelty a judge gave it.

The shape is ``{"arxiv_id", "title", "authors": [...], "abstract", "judge": {"model",
"relevance", "novelty", "comment"}}``, one file ``YYYY-MM-DD.jsonl`` per announcement day. The
evaluation reads these as ground truth, and the replay server answers from them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from papersift.errors import InputError
from papersift.models import Announcement, ArxivId, Judgment, Listing, Paper

logger = logging.getLogger(__name__)

_DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.jsonl$")


@dataclass(slots=True)
class LabelledDay:
    """One day's papers and the judgment recorded for each."""

    date: dt.date
    listing: Listing
    labels: dict[str, Judgment]
    """Paper id to its recorded judgment."""

    @property
    def papers(self) -> list[Paper]:
        """The day's papers in file order."""
        return list(self.listing.papers.values())


def load_labelled_day(path: Path) -> LabelledDay:
    """Read one ``YYYY-MM-DD.jsonl`` file.

    Lines that are not valid JSON or lack an id or title are skipped with a warning.

    Raises:
        InputError: the file cannot be read or its name is not a date.
    """
    try:
        date = dt.date.fromisoformat(path.stem)
        text = path.read_text(encoding="utf-8")
    except ValueError:
        raise InputError(
            f"Labelled day {str(path)!r} is not named YYYY-MM-DD.jsonl.",
            "Name each labelled file by its announcement date.",
        ) from None
    except OSError as exc:
        raise InputError(f"Labelled day {str(path)!r} cannot be read: {exc}.") from None

    listing = Listing(date=date, sources=[str(path)])
    labels: dict[str, Judgment] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            paper, judgment = _paper_and_label(json.loads(line))
        except (ValueError, KeyError, TypeError) as exc:
            listing.skipped.append(f"{path}: line {number} skipped: {exc}")
            logger.warning("Labelled day %s, line %d skipped: %s", path, number, exc)
            continue
        listing.items += 1
        listing.papers[paper.id] = paper
        listing.announcements.append(
            Announcement(paper.id, date, "", "new", str(path), paper.version)
        )
        if judgment is not None:
            labels[paper.id] = judgment
    return LabelledDay(date, listing, labels)


def load_labelled_days(folder: Path) -> list[LabelledDay]:
    """Every ``YYYY-MM-DD.jsonl`` day in ``folder``, oldest first.

    Raises:
        InputError: the folder holds no such file.
    """
    paths = sorted(p for p in folder.glob("*.jsonl") if _DAY_FILE.match(p.name))
    if not paths:
        raise InputError(
            f"No labelled day (YYYY-MM-DD.jsonl) in {str(folder)!r}.",
            "Point to a folder of labelled days, such as the judged astro-ph days.",
        )
    return [load_labelled_day(path) for path in paths]


def load_recorded_usage(folder: Path) -> dict[dt.date, int]:
    """Each day's total tokens the labelling run recorded, from the folder's ``manifest.json``.

    A folder without a manifest, or with one that cannot be read, has none; the evaluations then
    report their estimates without the recorded figure beside them.
    """
    path = folder / "manifest.json"
    if not path.exists():
        return {}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        return {
            dt.date.fromisoformat(day["date"]): int(day["recorded_usage"]["total_tokens"])
            for day in manifest.get("days", [])
            if day.get("recorded_usage")
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        logger.warning("Ignoring the recorded token usage in %s: %s", path, exc)
        return {}


def _paper_and_label(record: dict[str, object]) -> tuple[Paper, Judgment | None]:
    raw_id = str(record["arxiv_id"])
    try:
        arxiv_id = ArxivId.parse(raw_id)
    except ValueError:
        # Some recorded old-style ids lost their archive prefix (``9604047``); keep them as given.
        if not raw_id.isdigit():
            raise
        arxiv_id = ArxivId(raw_id)
    title = str(record.get("title") or "").strip()
    if not title:
        raise ValueError(f"{raw_id}: no title")
    authors = record.get("authors") or []
    paper = Paper(
        id=arxiv_id.id,
        version=arxiv_id.version,
        title=title,
        authors=tuple(str(a) for a in authors) if isinstance(authors, list) else (),
        abstract=str(record.get("abstract") or ""),
        categories=(),
    )
    judge = record.get("judge")
    if not isinstance(judge, dict):
        return paper, None
    judgment = Judgment(
        paper_id=paper.id,
        version=paper.version,
        model=str(judge.get("model", "")),
        prompt_hash="recorded",
        relevance=_number(judge.get("relevance")),
        novelty=_number(judge.get("novelty")),
        comment=str(judge.get("comment") or ""),
    )
    return paper, judgment


def _number(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
