"""Fixtures shared by the whole suite."""

from __future__ import annotations

from pathlib import Path

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
