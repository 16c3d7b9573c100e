"""Fixtures for the source tests: a local feed server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from feedserver import FeedServer


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A feed server on 127.0.0.1 at an ephemeral port, stopped after the test."""
    with FeedServer().running() as server:
        yield server
