"""The file-backed embedding cache, keyed by (arXiv id, version, model)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from papersift.rank import FileEmbeddingCache


def _vector(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(8).astype(np.float32)


def test_vectors_survive_a_new_process_view(tmp_path: Path) -> None:
    cache = FileEmbeddingCache(tmp_path)
    cache.save_embeddings(
        "m/one", {("2605.00001", 1): _vector(1), ("hep-th/9901001", 2): _vector(2)}
    )
    fresh = FileEmbeddingCache(tmp_path)
    found = fresh.load_embeddings("m/one", [("2605.00001", 1), ("hep-th/9901001", 2), ("x", 1)])
    assert set(found) == {("2605.00001", 1), ("hep-th/9901001", 2)}
    np.testing.assert_array_equal(found[("hep-th/9901001", 2)], _vector(2))
    assert fresh.load_embeddings("m/one", [("2605.00001", 2)]) == {}
    assert fresh.load_embeddings("m/two", [("2605.00001", 1)]) == {}


def test_a_later_save_adds_and_replaces(tmp_path: Path) -> None:
    cache = FileEmbeddingCache(tmp_path)
    cache.save_embeddings("m", {("a", 1): _vector(1)})
    cache.save_embeddings("m", {("a", 1): _vector(3), ("b", None): _vector(4)})
    found = FileEmbeddingCache(tmp_path).load_embeddings("m", [("a", 1), ("b", None)])
    np.testing.assert_array_equal(found[("a", 1)], _vector(3))
    assert ("b", None) in found


def test_an_unreadable_cache_starts_afresh_with_a_warning(tmp_path: Path, caplog) -> None:
    cache = FileEmbeddingCache(tmp_path)
    cache.save_embeddings("m", {("a", 1): _vector(1)})
    (tmp_path / "m.json").write_text("not json")
    with caplog.at_level(logging.WARNING):
        assert FileEmbeddingCache(tmp_path).load_embeddings("m", [("a", 1)]) == {}
    assert "unreadable" in caplog.text
