"""Replay of labelled days in order: does learning from earlier days find more of the judge's picks?

For day *t* the learned ranker is fitted only on the days before *t* (it never sees day *t*'s
labels) and ranks day *t*'s papers; the recall of the judge's positives within the top 10, 25
and 50 % is compared with interests similarity alone. The cascade's tokens are estimated by
counting the prompt and reply of the papers it would send to the judge with an offline
tokenizer, beside the tokens the full judge was recorded spending on that day.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from papersift.config import LearningSettings
from papersift.interests import Interests
from papersift.judge.estimate import TokenEstimate
from papersift.models import Score
from papersift.profile import Example
from papersift.rank.base import Ranker
from papersift.rank.features import Features
from papersift.rank.learned import (
    PICK_RELEVANCE,
    LearnedRanker,
    blend_weight,
    build_training_set,
    fit_model,
)
from papersift.sources.judged import LabelledDay

logger = logging.getLogger(__name__)

SHARES = (0.10, 0.25, 0.50)
REPLAY_START = 5
"""Days before the first replayed one: the replay ranks from the sixth day on."""


@dataclass(slots=True)
class DayResult:
    """One replayed day."""

    date: dt.date
    index: int
    """Days of history before this one."""
    papers: int
    positives: int
    weight: float
    """The learned model's blend weight on this day."""
    learned: dict[float, int]
    """Share of the day to positives found within it, learned ranker."""
    baseline: dict[float, int]
    """The same for interests similarity alone."""
    cascade_positives: int = 0
    cascade_tokens: int = 0
    full_tokens: int = 0
    """Estimated tokens of judging every paper of the day."""
    recorded_tokens: int | None = None


@dataclass(slots=True)
class LearningReport:
    """The replay's days and the settings behind them."""

    days: list[DayResult] = field(default_factory=list)
    features: str = ""
    cascade_share: float = 0.25
    start: int = REPLAY_START
    closed_loop: bool = False
    """The model learned only from what the cascade judged."""

    def recall(self, share: float, first: int, last: int, learned: bool = True) -> float | None:
        """Positives found within ``share`` over days ``first``..``last`` (1-based) / all."""
        chosen = [d for d in self.days if first <= d.index + 1 <= last]
        total = sum(d.positives for d in chosen)
        if not total:
            return None
        found = sum((d.learned if learned else d.baseline)[share] for d in chosen)
        return found / total

    def cascade(self, first: int, last: int) -> dict[str, float | int | None]:
        """The cascade's kept share of the judge's picks and its tokens over days first..last."""
        chosen = [d for d in self.days if first <= d.index + 1 <= last]
        positives = sum(d.positives for d in chosen)
        recorded = [d.recorded_tokens for d in chosen if d.recorded_tokens is not None]
        tokens = sum(d.cascade_tokens for d in chosen)
        return {
            "kept": sum(d.cascade_positives for d in chosen) / positives if positives else None,
            "tokens": tokens,
            "full_tokens_estimated": sum(d.full_tokens for d in chosen),
            "recorded_tokens": sum(recorded) if len(recorded) == len(chosen) else None,
            "share_of_recorded": tokens / sum(recorded) if recorded else None,
        }


def replay_learning(
    days: Sequence[LabelledDay],
    interests: Interests,
    base: Ranker,
    features: Features,
    settings: LearningSettings,
    *,
    tokens: TokenEstimate | None = None,
    recorded: dict[dt.date, int] | None = None,
    start: int = REPLAY_START,
    cascade_share: float = 0.25,
    closed_loop: bool = False,
    progress: Callable[[int], None] | None = None,
) -> LearningReport:
    """Replay ``days`` oldest first, day ``t`` ranked by a model of days before ``t`` only.

    With ``closed_loop`` the model learns, as it does in use, only from the papers the cascade
    sent to the judge (the base ranker's top share before the model has history); otherwise
    from every paper of the earlier days.
    """
    report = LearningReport(
        features=features.name, cascade_share=cascade_share, start=start, closed_loop=closed_loop
    )
    examples: list[Example] = []
    for index, day in enumerate(days):
        judged: set[str] | None = None
        if index >= start:
            result, order = _replay_day(day, index, examples, interests, base, features, settings)
            chosen = set(order[: math.ceil(cascade_share * len(order))])
            _add_cascade(result, day, chosen, tokens, settings)
            result.recorded_tokens = (recorded or {}).get(day.date)
            report.days.append(result)
            judged = chosen
        elif closed_loop:
            order = _order(base.rank([p for p in day.papers if p.id in day.labels], interests))
            judged = set(order[: math.ceil(cascade_share * len(order))])
        examples.extend(
            Example(paper, day.date, day.labels[paper.id].relevance, day.labels[paper.id].novelty)
            for paper in day.papers
            if paper.id in day.labels and (not closed_loop or judged is None or paper.id in judged)
        )
        if progress:
            progress(1)
    return report


def _replay_day(
    day: LabelledDay,
    index: int,
    examples: list[Example],
    interests: Interests,
    base: Ranker,
    features: Features,
    settings: LearningSettings,
) -> tuple[DayResult, list[str]]:
    papers = [p for p in day.papers if p.id in day.labels]
    wanted = {p.id for p in papers if (day.labels[p.id].relevance or 0) >= PICK_RELEVANCE}
    training = build_training_set(examples, [], settings, day.date)
    model = fit_model(features, training, settings)
    ranker = LearnedRanker(base, features, model, blend_weight(training.history, settings))
    learned = ranker.rank(papers, interests)
    baseline = base.rank(papers, interests)
    result = DayResult(
        date=day.date,
        index=index,
        papers=len(papers),
        positives=len(wanted),
        weight=ranker.weight,
        learned={share: _found(learned, wanted, share) for share in SHARES},
        baseline={share: _found(baseline, wanted, share) for share in SHARES},
    )
    return result, _order(learned)


def _order(scores: list[Score]) -> list[str]:
    return [s.paper_id for s in sorted(scores, key=lambda s: (-s.score, s.paper_id))]


def _found(scores: list[Score], wanted: set[str], share: float) -> int:
    top = _order(scores)[: math.ceil(share * len(scores))]
    return len(wanted.intersection(top))


def _add_cascade(
    result: DayResult,
    day: LabelledDay,
    chosen: set[str],
    tokens: TokenEstimate | None,
    settings: LearningSettings,
) -> None:
    threshold = PICK_RELEVANCE
    result.cascade_positives = sum(
        1 for paper_id in chosen if (day.labels[paper_id].relevance or 0) >= threshold
    )
    if tokens is None:
        return
    comments = {paper_id: label.comment for paper_id, label in day.labels.items()}
    papers = [p for p in day.papers if p.id in day.labels]
    result.full_tokens = tokens.tokens(papers, comments)
    result.cascade_tokens = tokens.tokens([p for p in papers if p.id in chosen], comments)


def report_to_dict(report: LearningReport, windows: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """The replay as JSON-ready values: per window the recalls and the cascade, then per day."""
    summary = []
    for first, last in windows:
        summary.append(
            {
                "days": [first, last],
                "learned": {str(s): report.recall(s, first, last) for s in SHARES},
                "interests_only": {str(s): report.recall(s, first, last, False) for s in SHARES},
                "cascade": report.cascade(first, last),
            }
        )
    return {
        "features": report.features,
        "cascade_share": report.cascade_share,
        "closed_loop": report.closed_loop,
        "windows": summary,
        "days": [
            {
                "date": d.date.isoformat(),
                "history_days": d.index,
                "papers": d.papers,
                "positives": d.positives,
                "weight": round(d.weight, 3),
                "learned": {str(s): n for s, n in d.learned.items()},
                "interests_only": {str(s): n for s, n in d.baseline.items()},
                "cascade_tokens": d.cascade_tokens,
                "full_tokens_estimated": d.full_tokens,
                "recorded_tokens": d.recorded_tokens,
            }
            for d in report.days
        ],
    }


def plot_recall(report: LearningReport, path: Path, share: float = 0.25) -> Path:
    """Draw recall within ``share`` of the day against days of history, as a PNG at ``path``.

    Each day's recall is a dot; the lines are five-day running sums (positives found over
    positives), for the learned ranker and for interests similarity alone.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    history = [d.index for d in report.days]
    figure, axes = plt.subplots(figsize=(8, 4.5), dpi=110)
    for learned, label, colour in (
        (True, "learned", "tab:blue"),
        (False, "interests only", "tab:grey"),
    ):
        found = [(d.learned if learned else d.baseline)[share] for d in report.days]
        daily = [
            f / d.positives if d.positives else float("nan")
            for f, d in zip(found, report.days, strict=True)
        ]
        running = _running(found, [d.positives for d in report.days])
        axes.scatter(history, daily, s=12, color=colour, alpha=0.4)
        axes.plot(history, running, color=colour, label=f"{label} (5-day running)")
    axes.axhline(0.95, color="tab:red", linestyle=":", linewidth=1, label="target 0.95")
    axes.set_xlabel("days of history before the day ranked")
    axes.set_ylabel(f"recall of the judge's picks within top {share:.0%}")
    axes.set_ylim(0, 1.05)
    axes.set_title(f"Learning from past verdicts ({report.features})")
    axes.legend(loc="lower right")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path


def _running(found: list[int], positives: list[int], width: int = 5) -> list[float]:
    out = []
    for end in range(1, len(found) + 1):
        start = max(0, end - width)
        total = sum(positives[start:end])
        out.append(sum(found[start:end]) / total if total else float("nan"))
    return out


def report_lines(report: LearningReport, windows: Sequence[tuple[int, int]]) -> list[str]:
    """The replay's figures for the terminal."""
    lines = [f"Replay of {len(report.days)} days with {report.features} features."]
    if report.closed_loop:
        lines.append(
            f"Closed loop: the model learned only from the top {report.cascade_share:.0%} "
            "the cascade judged each day."
        )
    for first, last in windows:
        parts = []
        for share in SHARES:
            learned, plain = (
                report.recall(share, first, last),
                report.recall(share, first, last, False),
            )
            if learned is not None and plain is not None:
                parts.append(f"{share:.0%}: {learned:.3f} (interests only {plain:.3f})")
        lines.append(f"Days {first}-{last}, recall of the judge's picks within " + "; ".join(parts))
        cascade = report.cascade(first, last)
        kept, share_of = cascade["kept"], cascade["share_of_recorded"]
        if kept is not None:
            lines.append(
                f"  cascade judging the top {report.cascade_share:.0%}: keeps {kept:.3f} of the "
                f"picks at {cascade['tokens']} tokens"
                + (
                    f", {share_of:.3f} of the recorded {cascade['recorded_tokens']}"
                    if share_of
                    else ""
                )
                + f" (full judge estimated at {cascade['full_tokens_estimated']})"
            )
    return lines
