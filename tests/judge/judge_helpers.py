"""Helpers of the judge tests: settings aimed at the replay server, a day through the pipeline."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from papersift.config import Settings
from papersift.interests import Interests
from papersift.judge import MemoryJudgmentCache
from papersift.models import Digest
from papersift.pipeline import RunOptions, select_day
from papersift.sources.judged import LabelledDay
from papersift.testing.fake_openai import FakeOpenAI

DAYS = ("2026-02-11", "2026-02-24", "2026-03-10")
MIN_RELEVANCE = 7
MIN_NOVELTY = 5


class Silent:
    """A reporter that shows nothing."""

    def stage(self, name: str, total: int) -> Any:
        return nullcontext(lambda done: None)


def judge_settings(server: FakeOpenAI, **judge: Any) -> Settings:
    """Settings with the TF-IDF ranker and the judge pointed at ``server``."""
    values: dict[str, Any] = {
        "enabled": True,
        "model": "gpt-4.1",
        "base_url": server.base_url,
        "api_key": "test-key",
        "min_relevance": MIN_RELEVANCE,
        "min_novelty": MIN_NOVELTY,
        "timeout": 2.0,
        "max_retries": 3,
        # Every paper is judged unless a test asks for a cascade share.
        "share": None,
    }
    values.update(judge)
    return Settings.model_validate({"ranker": {"kind": "tfidf", "top": 1000}, "judge": values})


def judge_digest(
    settings: Settings,
    day: LabelledDay,
    interests: Interests,
    cache: Any = None,
    dry_run: bool = False,
) -> Digest:
    """The digest of a labelled day through the pipeline's select stage."""
    options = RunOptions(dry_run=dry_run, judgment_cache=cache or MemoryJudgmentCache())
    return select_day(settings, options, day.listing, interests, Silent())


def passing(day: LabelledDay) -> set[str]:
    """The papers whose recorded relevance and novelty pass the cut-offs."""
    return {
        paper_id
        for paper_id, label in day.labels.items()
        if (label.relevance or 0) >= MIN_RELEVANCE and (label.novelty or 0) >= MIN_NOVELTY
    }
