"""Fixtures for the store's tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_helpers import write_config


@pytest.fixture
def run_config(tmp_path: Path) -> Path:
    """A TF-IDF config beside a fresh database folder."""
    return write_config(tmp_path)
