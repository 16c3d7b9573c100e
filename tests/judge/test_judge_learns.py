"""The cascade learns: after a few judged days the learned ranker chooses what the judge reads."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from judge_helpers import judge_digest, judge_settings

from papersift.config import Settings
from papersift.interests import Interests
from papersift.sources.judged import LabelledDay, load_labelled_days
from papersift.testing.fake_openai import FakeOpenAI


def test_after_judged_days_the_learned_ranker_narrows_the_cascade(
    fake_server: Callable[..., FakeOpenAI],
    astro: Path,
    astro_interests: Interests,
    tmp_path: Path,
) -> None:
    days: list[LabelledDay] = load_labelled_days(astro)[:4]
    server = fake_server()
    values = judge_settings(server, share=0.6, learned_share=0.4).model_dump()
    values["learning"] = {
        "dir": tmp_path / "profiles",
        "min_days": 2,
        "full_days": 3,
        "min_positives": 5,
        "full_positives": 10,
    }
    settings = Settings.model_validate(values)

    digests = [judge_digest(settings, day, astro_interests) for day in days]

    def judged(digest) -> int:
        return sum(e.status == "judged" for e in [*digest.entries, *digest.unselected])

    first, last = digests[0], digests[-1]
    assert first.ranker == "tfidf" and judged(first) == math.ceil(0.6 * len(days[0].papers))
    assert last.ranker.startswith("learned:text-tfidf")
    assert judged(last) == math.ceil(0.4 * len(days[-1].papers))
    examples = (tmp_path / "profiles").rglob("*")
    assert any(path.is_file() for path in examples)
