"""Fixtures of the judge tests: the replay server on 127.0.0.1 and real astro-ph days."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from papersift.interests import Interests, load_interests
from papersift.sources.judged import LabelledDay, load_labelled_day
from papersift.testing.fake_openai import FakeOpenAI, ServerOptions, load_recorded

DAYS = ("2026-02-11", "2026-02-24", "2026-03-10")
MIN_RELEVANCE = 7
MIN_NOVELTY = 5


class _Silent:
    def stage(self, name: str, total: int) -> Any:
        from contextlib import nullcontext

        return nullcontext(lambda done: None)


@pytest.fixture
def astro(shared_data: Path) -> Path:
    """The judged astro-ph days."""
    return shared_data / "judged" / "astro-ph"


@pytest.fixture
def recorded(astro: Path) -> dict[str, dict[str, Any]]:
    """Paper id to its recorded judgment."""
    return load_recorded(astro)


@pytest.fixture
def astro_interests(astro: Path) -> Interests:
    """The researcher's interests the recorded judgments were made under."""
    return load_interests(astro / "interests.md")


@pytest.fixture
def labelled_day(astro: Path) -> Callable[[str], LabelledDay]:
    """Loads one judged day by its date."""
    return lambda date: load_labelled_day(astro / f"{date}.jsonl")


@pytest.fixture
def fake_server(
    recorded: dict[str, dict[str, Any]],
) -> Iterator[Callable[..., FakeOpenAI]]:
    """Starts replay servers with the given options; stops them after the test."""
    started: list[FakeOpenAI] = []

    def start(**options: Any) -> FakeOpenAI:
        server = FakeOpenAI(recorded, ServerOptions(**options)).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
