"""What a profile has learned from: past judgments, the reader's ratings and seeds, and its model.

The learned ranker reads its training set through the :class:`ProfileStore` protocol and keeps its
fitted model there, so the same code runs against the SQLite store and against the plain files of
:class:`FileProfileStore` (one folder per profile: ``examples.jsonl``, ``ratings.jsonl`` and
``model.npz``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from papersift.errors import InputError, StoreError
from papersift.models import Digest, Paper

logger = logging.getLogger(__name__)

RatingKind = Literal["like", "dislike", "save"]
RATING_KINDS: tuple[RatingKind, ...] = ("like", "dislike", "save")
ExampleOrigin = Literal["judge", "seed"]
_Row = TypeVar("_Row")


@dataclass(frozen=True, slots=True)
class Example:
    """A paper with the verdict the profile has on it: the judge's, or a seed from a library."""

    paper: Paper
    date: dt.date
    """The announcement day of the judgment, or the import day of a seed."""
    relevance: float | None
    novelty: float | None = None
    origin: ExampleOrigin = "judge"


@dataclass(frozen=True, slots=True)
class Rating:
    """The reader's own verdict on a paper; it outranks the judge's."""

    paper_id: str
    kind: RatingKind
    at: dt.datetime
    note: str = ""
    paper: Paper | None = None
    """The paper's text when it was known at rating time; needed to train on the rating."""

    @property
    def positive(self) -> bool:
        """A like or a save marks the paper as wanted."""
        return self.kind != "dislike"


@dataclass(frozen=True, slots=True)
class ModelBlob:
    """A fitted model as bytes, with what describes it (features, history, quality)."""

    data: bytes
    meta: dict[str, Any]


class TrainingSource(Protocol):
    """Where the learned ranker reads its training set."""

    def load_examples(self, profile: str, before: dt.date | None = None) -> list[Example]:
        """The profile's judged and seeded papers, those dated before ``before`` if given."""
        ...

    def load_ratings(self, profile: str) -> list[Rating]:
        """The reader's ratings, latest last; a later rating of a paper replaces an earlier."""
        ...


class ProfileStore(TrainingSource, Protocol):
    """A training source that is also written to: examples, ratings and the fitted model."""

    def save_examples(self, profile: str, examples: Sequence[Example]) -> None:
        """Keep ``examples``, replacing any earlier one of the same paper, day and origin."""
        ...

    def save_rating(self, profile: str, rating: Rating) -> None:
        """Keep the reader's ``rating``."""
        ...

    def save_model(self, profile: str, model: ModelBlob) -> None:
        """Keep the fitted model, replacing the previous one."""
        ...

    def load_model(self, profile: str) -> ModelBlob | None:
        """The last fitted model, or ``None`` when there is none."""
        ...


def examples_from_digest(digest: Digest) -> list[Example]:
    """The judged papers of a digest (selected or not) as training examples."""
    examples = []
    for entry in [*digest.entries, *digest.unselected]:
        if entry.status == "judged" and entry.relevance is not None:
            examples.append(Example(entry.paper, digest.date, entry.relevance, entry.novelty))
    return examples


def latest_ratings(ratings: Iterable[Rating]) -> dict[str, Rating]:
    """Each paper's latest rating."""
    latest: dict[str, Rating] = {}
    for rating in sorted(ratings, key=lambda rating: rating.at):
        latest[rating.paper_id] = rating
    return latest


def paper_to_dict(paper: Paper) -> dict[str, Any]:
    """A paper as JSON-ready values."""
    return {
        "id": paper.id,
        "version": paper.version,
        "title": paper.title,
        "authors": list(paper.authors),
        "abstract": paper.abstract,
        "categories": list(paper.categories),
        "comments": paper.comments,
    }


def paper_from_dict(data: dict[str, Any]) -> Paper:
    """The inverse of :func:`paper_to_dict`; also reads the paper records of digest JSON."""
    return Paper(
        id=str(data["id"]),
        version=data.get("version"),
        title=str(data.get("title") or ""),
        authors=tuple(data.get("authors") or ()),
        abstract=str(data.get("abstract") or ""),
        categories=tuple(data.get("categories") or ()),
        comments=data.get("comments"),
    )


class FileProfileStore:
    """A :class:`ProfileStore` in plain files, one folder per profile under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, profile: str) -> Path:
        """The folder holding ``profile``'s files."""
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", profile) or "_"
        return self.root / slug

    def load_examples(self, profile: str, before: dt.date | None = None) -> list[Example]:
        examples = self._rows(profile, "examples.jsonl", _example)
        return [e for e in examples if before is None or e.date < before]

    def save_examples(self, profile: str, examples: Sequence[Example]) -> None:
        if not examples:
            return
        key = _example_key
        kept = {key(e): e for e in self.load_examples(profile)}
        kept.update({key(e): e for e in examples})
        lines = [json.dumps(_example_row(e), ensure_ascii=False) for e in kept.values()]
        self._write(profile, "examples.jsonl", "\n".join(lines) + "\n")

    # TODO(#7): a rating kept here without its text trains once the paper is judged or seeded;
    # a paper a run only lists in the database is not looked up, unlike in the database store.
    def load_ratings(self, profile: str) -> list[Rating]:
        return self._rows(profile, "ratings.jsonl", _rating)

    def save_rating(self, profile: str, rating: Rating) -> None:
        folder = self.folder(profile)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with (folder / "ratings.jsonl").open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(_rating_row(rating), ensure_ascii=False) + "\n")
        except OSError as exc:
            raise StoreError(
                f"Cannot record the rating in {str(folder)!r}: {_reason(exc)}.", _DIR_HINT
            ) from None

    def save_model(self, profile: str, model: ModelBlob) -> None:
        self._write(profile, "model.npz", model.data)
        self._write(profile, "model.json", json.dumps(model.meta, indent=2) + "\n")

    def load_model(self, profile: str) -> ModelBlob | None:
        folder = self.folder(profile)
        data_path, meta_path = folder / "model.npz", folder / "model.json"
        if not data_path.exists() or not meta_path.exists():
            return None
        try:
            data = data_path.read_bytes()
        except OSError as exc:
            logger.warning("The model in %s is unreadable (%s); ignoring it.", folder, exc)
            return None
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            logger.warning("The model's description in %s is unreadable (%s).", folder, exc)
            meta = {}
        return ModelBlob(data, meta if isinstance(meta, dict) else {})

    def _rows(self, profile: str, name: str, parse: Callable[[dict[str, Any]], _Row]) -> list[_Row]:
        """Each line of the file ``name`` read by ``parse``; a line that is not JSON or not of
        the expected shape is skipped with a warning naming the file and the line."""
        path = self.folder(profile) / name
        try:
            if not path.is_file():
                return []
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise StoreError(f"Cannot read {str(path)!r}: {_reason(exc)}.", _DIR_HINT) from None
        rows = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError:
                logger.warning("%s, line %d is not JSON; skipped.", path, number)
                continue
            try:
                rows.append(parse(data))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                logger.warning(
                    "%s, line %d is not a valid record (%s); skipped.", path, number, exc
                )
        return rows

    def _write(self, profile: str, name: str, content: str | bytes) -> None:
        folder = self.folder(profile)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            data = content.encode("utf-8") if isinstance(content, str) else content
            descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            os.replace(temporary, folder / name)
        except OSError as exc:
            raise StoreError(
                f"Cannot write {name!r} in {str(folder)!r}: {_reason(exc)}.", _DIR_HINT
            ) from None


_DIR_HINT = "Check the folder's permissions, or set [learning] dir to another folder."


def _reason(exc: OSError | UnicodeDecodeError) -> str:
    """Why a file operation failed, in words (a path that is a file, a missing permission)."""
    if isinstance(exc, NotADirectoryError | FileExistsError):
        return "a file is in the way where a folder is needed"
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def parse_rating_kind(text: str) -> RatingKind:
    """``like``, ``dislike`` or ``save``, or an :class:`InputError` naming the word."""
    lowered = text.strip().lower()
    for kind in RATING_KINDS:
        if lowered == kind:
            return kind
    raise InputError(f"Unknown rating {text!r}.", f"Use one of: {', '.join(RATING_KINDS)}.")


def _example_key(example: Example) -> tuple[str, str, str]:
    return (example.paper.id, example.date.isoformat(), example.origin)


def _example_row(example: Example) -> dict[str, Any]:
    return {
        "paper": paper_to_dict(example.paper),
        "date": example.date.isoformat(),
        "relevance": example.relevance,
        "novelty": example.novelty,
        "origin": example.origin,
    }


def _example(row: dict[str, Any]) -> Example:
    origin = row.get("origin", "judge")
    if origin not in ("judge", "seed"):
        raise ValueError(f"origin {origin!r} is not judge or seed")
    return Example(
        paper=paper_from_dict(row["paper"]),
        date=dt.date.fromisoformat(row["date"]),
        relevance=_score(row.get("relevance")),
        novelty=_score(row.get("novelty")),
        origin=origin,
    )


def _score(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"score {value!r} is not a number")
    return float(value)


def _rating_row(rating: Rating) -> dict[str, Any]:
    return {
        "paper_id": rating.paper_id,
        "kind": rating.kind,
        "at": rating.at.isoformat(),
        "note": rating.note,
        "paper": paper_to_dict(rating.paper) if rating.paper else None,
    }


def _rating(row: dict[str, Any]) -> Rating:
    paper = row.get("paper")
    kind = row["kind"]
    if kind not in RATING_KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(RATING_KINDS)}")
    at = dt.datetime.fromisoformat(row["at"])
    return Rating(
        paper_id=str(row["paper_id"]),
        kind=kind,
        at=at if at.tzinfo else at.replace(tzinfo=dt.UTC),
        note=row.get("note") or "",
        paper=paper_from_dict(paper) if paper else None,
    )
