"""How well papersift picks papers, measured on days a judge has labelled.

``evaluate_folder`` is what ``papersift eval`` runs: it loads the labelled days and the interests,
measures each named ranker and the replayed cascade, and writes the report, plot and JSON.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from papersift.evaluate.evaluation import EvalOptions, Evaluation, RankerEvaluation, evaluate
from papersift.evaluate.metrics import (
    BUDGETS,
    average_precision,
    bootstrap_interval,
    ndcg_at,
    recall_at_budget,
    spearman,
)
from papersift.evaluate.rankers import RANKER_NAMES, ReplayedCascade, build_ranker
from papersift.evaluate.report import render_markdown, render_plot, to_json
from papersift.interests import load_interests
from papersift.sources.judged import load_labelled_days, load_recorded_usage

__all__ = [
    "BUDGETS",
    "RANKER_NAMES",
    "EvalOptions",
    "EvalOutcome",
    "Evaluation",
    "RankerEvaluation",
    "average_precision",
    "bootstrap_interval",
    "evaluate",
    "evaluate_folder",
    "ndcg_at",
    "recall_at_budget",
    "render_markdown",
    "render_plot",
    "spearman",
    "to_json",
]

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class EvalOutcome:
    """An evaluation and the files written for it."""

    evaluation: Evaluation
    report: dict[str, object]
    """The JSON form, also written to ``evaluation.json``."""
    files: list[Path] = field(default_factory=list)


def evaluate_folder(
    judged: Path,
    interests_path: Path,
    ranker_names: Sequence[str],
    options: EvalOptions,
    out_dir: Path | None,
    cache_dir: Path | None = None,
    cascade_of: str | None = None,
) -> EvalOutcome:
    """Measure ``ranker_names`` on the labelled days in ``judged``, and the cascade of
    ``cascade_of`` (one of them) at the share chosen on the tuning days.

    Raises:
        InputError: the folder holds no labelled day, or a ranker name is unknown.
        ConfigError: the interests file cannot be read.
    """
    days = load_labelled_days(judged)
    interests = load_interests(interests_path)
    rankers = [build_ranker(name, cache_dir) for name in ranker_names]
    logger.info("Evaluating %d ranker(s) on %d labelled days", len(rankers), len(days))
    evaluation = evaluate(days, interests, rankers, options)

    if cascade_of is not None and cascade_of in ranker_names:
        index = list(ranker_names).index(cascade_of)
        share = evaluation.cascade_share(evaluation.rankers[index])
        if share is not None:
            labels = {pid: label for day in days for pid, label in day.labels.items()}
            cascade = ReplayedCascade(rankers[index], labels, share)
            evaluation.rankers += evaluate(days, interests, [cascade], options).rankers

    report = to_json(evaluation)
    report["recorded_usage"] = _recorded_usage(judged, evaluation)
    outcome = EvalOutcome(evaluation, report)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        markdown = out_dir / "evaluation.md"
        markdown.write_text(render_markdown(evaluation), encoding="utf-8")
        plot = out_dir / "recall.png"
        render_plot(evaluation, plot)
        data = out_dir / "evaluation.json"
        data.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        outcome.files = [markdown, plot, data]
    return outcome


def _recorded_usage(judged: Path, evaluation: Evaluation) -> dict[str, object] | None:
    """The manifest's recorded judge tokens beside the estimate for judging every paper."""
    recorded = load_recorded_usage(judged)
    dates = [date for date in evaluation.dates if date in recorded]
    if not dates or not evaluation.rankers:
        return None
    first = evaluation.rankers[0]
    estimated = sum(day.cascade[-1].full_tokens for day in first.days if day.date in set(dates))
    return {
        "days": len(dates),
        "recorded_tokens": sum(recorded[d] for d in dates),
        "estimated_full_tokens": estimated,
    }
