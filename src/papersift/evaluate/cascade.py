"""The cascade replayed from labels: the ranker's top share goes to a judge that answers with
the recorded judgments, and the tokens it would spend are counted on the requests it would send.

Tokens are counted by the judge's own estimate (``papersift.judge.estimate``): its prompts, its
batches and the replies the recorded comments make, so the figures are those a run with the
default judge settings would report.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from papersift.evaluate.metrics import budget_size, ranking
from papersift.judge.estimate import TokenEstimate
from papersift.models import Paper


class DayTokens:
    """Tokens of judging some of one day's papers; judging all of them is counted once."""

    def __init__(
        self, papers: Sequence[Paper], comments: Mapping[str, str], estimate: TokenEstimate
    ) -> None:
        self.papers = list(papers)
        self.comments = comments
        self.estimate = estimate
        self._full: int | None = None

    def of(self, chosen: Sequence[int]) -> tuple[int, int]:
        """Prompt and completion tokens of judging the papers at ``chosen``, in that order."""
        return self.estimate.split([self.papers[i] for i in chosen], self.comments)

    @property
    def full(self) -> int:
        """Prompt plus completion tokens of judging every paper."""
        if self._full is None:
            self._full = sum(self.of(range(len(self.papers))))
        return self._full


@dataclass(frozen=True, slots=True)
class CascadeDay:
    """What the cascade at one share does on one day."""

    share: float
    judged: int
    """Papers the judge reads."""
    selected: int
    """Papers the cascade selects (judged and at or above the positive threshold)."""
    full_selected: int
    """Papers judging every paper would select."""
    prompt_tokens: int
    completion_tokens: int
    full_tokens: int
    """Prompt plus completion tokens of judging every paper."""

    @property
    def tokens(self) -> int:
        """Prompt plus completion tokens of the cascade."""
        return self.prompt_tokens + self.completion_tokens

    @property
    def kept(self) -> float:
        """Share of the full judge's selection the cascade keeps; NaN when that is empty."""
        return self.selected / self.full_selected if self.full_selected else math.nan

    @property
    def saving(self) -> float:
        """Share of the full judge's tokens the cascade does not spend."""
        return 1.0 - self.tokens / self.full_tokens if self.full_tokens else math.nan


def replay_cascade(
    scores: Sequence[float], positive: Sequence[bool], share: float, tokens: DayTokens
) -> CascadeDay:
    """The cascade of one day: the judge reads the top ``share`` by ``scores``.

    ``positive`` says which papers the judge's recorded relevance selects; the replayed judge
    selects exactly those among the papers it reads.
    """
    order = ranking(scores)
    judged = [int(i) for i in order[: budget_size(len(order), share)]]
    prompt, completion = tokens.of(judged)
    return CascadeDay(
        share=share,
        judged=len(judged),
        selected=sum(bool(positive[i]) for i in judged),
        full_selected=sum(bool(flag) for flag in positive),
        prompt_tokens=prompt,
        completion_tokens=completion,
        full_tokens=tokens.full,
    )
