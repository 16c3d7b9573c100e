"""Where judgments are kept, so a rerun costs nothing and a crash loses no paid judgment.

A judgment's key is (paper id, version, prompt hash, model). ``JudgmentCache`` is the interface
the stage uses; ``FileJudgmentCache`` keeps judgments as JSON Lines appended to one file,
flushed and synced after each batch, and is the default until the store implements the same
interface.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict
from pathlib import Path
from typing import Protocol

from papersift.errors import StoreError
from papersift.models import Judgment

logger = logging.getLogger(__name__)

Key = tuple[str, int | None]


class JudgmentCache(Protocol):
    """Loads and saves judgments by paper, prompt hash and model."""

    def load_judgments(
        self, model: str, prompt_hash: str, keys: list[tuple[str, int | None]]
    ) -> dict[tuple[str, int | None], Judgment]:
        """The cached judgments among ``keys`` (paper id, version) for this model and prompt."""
        ...

    def save_judgments(self, judgments: list[Judgment]) -> None:
        """Keep ``judgments`` durably before returning."""
        ...


class MemoryJudgmentCache:
    """A cache that lives as long as the object, for runs that should leave nothing behind."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str, str, int | None], Judgment] = {}

    def load_judgments(self, model: str, prompt_hash: str, keys: list[Key]) -> dict[Key, Judgment]:
        """The cached judgments among ``keys``."""
        found = {}
        for paper_id, version in keys:
            judgment = self._items.get((model, prompt_hash, paper_id, version))
            if judgment is not None:
                found[(paper_id, version)] = judgment
        return found

    def save_judgments(self, judgments: list[Judgment]) -> None:
        """Keep ``judgments`` in memory."""
        for judgment in judgments:
            key = (judgment.model, judgment.prompt_hash, judgment.paper_id, judgment.version)
            self._items[key] = judgment


class FileJudgmentCache(MemoryJudgmentCache):
    """Judgments appended as JSON Lines to ``path``; the whole file is read on first use."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._loaded = False

    def load_judgments(self, model: str, prompt_hash: str, keys: list[Key]) -> dict[Key, Judgment]:
        """The cached judgments among ``keys``."""
        self._load()
        return super().load_judgments(model, prompt_hash, keys)

    def save_judgments(self, judgments: list[Judgment]) -> None:
        """Append ``judgments`` to the file, flushed and synced before returning.

        Raises:
            StoreError: the file cannot be written.
        """
        if not judgments:
            return
        self._load()
        lines = "".join(json.dumps(asdict(j), ensure_ascii=False) + "\n" for j in judgments)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(lines)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise StoreError(
                f"Judgment cache {str(self.path)!r} cannot be written: {exc}.",
                "Free some space or set [judge] cache_file to a writable path.",
            ) from None
        super().save_judgments(judgments)

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as exc:
            raise StoreError(
                f"Judgment cache {str(self.path)!r} cannot be read: {exc}.",
                "Delete the file to start a fresh cache, or set [judge] cache_file.",
            ) from None
        judgments = []
        for number, line in enumerate(text.splitlines(), 1):
            try:
                record = json.loads(line)
                record["flags"] = tuple(record.get("flags", ()))
                judgments.append(Judgment(**record))
            except (ValueError, TypeError) as exc:
                # A line cut short by a crash mid-write is the likely cause; the rest is good.
                logger.warning("Judgment cache %s, line %d skipped: %s", self.path, number, exc)
        super().save_judgments(judgments)
