"""Digest documents from real runs, and the local servers deliveries are sent to."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deliver_support import SlackServer

from web_support import DEMO_FEED, HOSTILE_FEED, papersift, write_config


@pytest.fixture(scope="session")
def digest_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder with the digests of the demo day and the hostile day, by ``run``."""
    folder = tmp_path_factory.mktemp("deliver-digests")
    config = write_config(folder)
    for feed in (DEMO_FEED, HOSTILE_FEED):
        papersift("-q", "run", "--from-file", str(feed), "--config", str(config))
    return folder / "out"


def _document(out: Path, day: str) -> dict[str, Any]:
    return json.loads((out / day[:7] / f"{day}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_document(digest_out: Path) -> dict[str, Any]:
    """The digest document of the bundled demo day (15 papers)."""
    return _document(digest_out, "2026-05-26")


@pytest.fixture(scope="session")
def hostile_document(digest_out: Path) -> dict[str, Any]:
    """The digest document of the hand-made hostile day."""
    return _document(digest_out, "2026-05-27")


@pytest.fixture
def slack_server() -> Iterator[SlackServer]:
    """A Slack-like server on 127.0.0.1 recording what it receives."""
    server = SlackServer()
    yield server
    server.close()
