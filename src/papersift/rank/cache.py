"""The embedding cache: vectors keyed by (arXiv id, version, model), so nothing is embedded twice.

The file-backed cache keeps one matrix and one key list per model in a folder; the store will keep
the same keys in SQLite behind the same interface.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

logger = logging.getLogger(__name__)

CacheKey = tuple[str, int | None]
"""(arXiv id, version); the model is fixed per lookup."""


class EmbeddingCache(Protocol):
    """Where embeddings are kept between runs."""

    def load_embeddings(
        self, model: str, keys: list[CacheKey]
    ) -> dict[CacheKey, NDArray[np.float32]]:
        """The cached vectors for those of ``keys`` that have one."""
        ...

    def save_embeddings(self, model: str, vectors: dict[CacheKey, NDArray[np.float32]]) -> None:
        """Keep ``vectors``, replacing any earlier vector under the same key."""
        ...


class FileEmbeddingCache:
    """Embeddings in ``folder/<model>.npy`` with the keys beside them in ``<model>.json``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._loaded: dict[str, dict[CacheKey, NDArray[np.float32]]] = {}

    def load_embeddings(
        self, model: str, keys: list[CacheKey]
    ) -> dict[CacheKey, NDArray[np.float32]]:
        known = self._model(model)
        return {key: known[key] for key in keys if key in known}

    def save_embeddings(self, model: str, vectors: dict[CacheKey, NDArray[np.float32]]) -> None:
        if not vectors:
            return
        known = self._model(model)
        known.update(vectors)
        self.folder.mkdir(parents=True, exist_ok=True)
        matrix_path, keys_path = self._paths(model)
        keys = list(known)
        matrix = np.stack([known[key] for key in keys]).astype(np.float32)
        _atomic_write(matrix_path, lambda handle: np.save(handle, matrix))
        payload = json.dumps([[paper_id, version] for paper_id, version in keys]).encode()
        _atomic_write(keys_path, lambda handle: handle.write(payload))

    def _model(self, model: str) -> dict[CacheKey, NDArray[np.float32]]:
        if model not in self._loaded:
            self._loaded[model] = self._read(model)
        return self._loaded[model]

    def _read(self, model: str) -> dict[CacheKey, NDArray[np.float32]]:
        matrix_path, keys_path = self._paths(model)
        if not matrix_path.exists() or not keys_path.exists():
            return {}
        try:
            keys = json.loads(keys_path.read_text())
            matrix = np.load(matrix_path)
        except (OSError, ValueError) as exc:
            logger.warning(
                "Embedding cache %s is unreadable (%s); starting afresh.", matrix_path, exc
            )
            return {}
        if len(keys) != len(matrix):
            logger.warning("Embedding cache %s is inconsistent; starting afresh.", matrix_path)
            return {}
        return {(paper_id, version): matrix[i] for i, (paper_id, version) in enumerate(keys)}

    def _paths(self, model: str) -> tuple[Path, Path]:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model)
        return self.folder / f"{slug}.npy", self.folder / f"{slug}.json"


def _atomic_write(path: Path, write: object) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)  # type: ignore[operator]
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
