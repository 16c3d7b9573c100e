"""The evaluation as Markdown, JSON and a PNG plot of recall against budget."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from papersift.errors import MissingExtraError
from papersift.evaluate.evaluation import Evaluation, Interval, RankerEvaluation

_SPLITS = ("all", "tuning", "held-out")


def _splits(evaluation: Evaluation) -> dict[str, slice]:
    return {"all": slice(None), "tuning": evaluation.tuning, "held-out": evaluation.held_out}


def _has_held_out(evaluation: Evaluation) -> bool:
    return bool(evaluation.dates[evaluation.held_out])


def no_held_out_warning(evaluation: Evaluation) -> str | None:
    """The warning that every day is a tuning day, or ``None`` when some are held apart."""
    if _has_held_out(evaluation):
        return None
    return (
        f"Warning: no held-out days: all {len(evaluation.dates)} labelled days are tuning days "
        f"(tune days {evaluation.options.tune_days}); give more days or a smaller --tune-days "
        "to measure on days held apart."
    )


def _keys(evaluation: Evaluation) -> list[str]:
    budgets = [f"recall@{share}" for share in evaluation.options.budgets]
    return [*budgets, "ap", "ndcg", "spearman"]


def _cell(value: Interval) -> str:
    mean, low, high = value
    return "n/a" if math.isnan(mean) else f"{mean:.3f} [{low:.2f}, {high:.2f}]"


def _label(key: str, evaluation: Evaluation) -> str:
    if key.startswith("recall@"):
        return f"recall@{float(key[7:]) * 100:g}%"
    return {"ap": "AP", "ndcg": f"nDCG@{evaluation.options.ndcg_k}", "spearman": "Spearman"}[key]


def _range(evaluation: Evaluation, days: slice) -> str:
    dates = evaluation.dates[days]
    return f"{len(dates)} days, {dates[0]} to {dates[-1]}" if dates else "no day"


def render_markdown(evaluation: Evaluation) -> str:
    """The report: means with intervals per split, the cascade, then every day."""
    options = evaluation.options
    lines = [
        "# Selection quality",
        "",
        f"Positives: the judge's relevance >= {options.positive:g}. Each cell is the mean over "
        "days with its 95 % bootstrap interval. The first "
        f"{options.tune_days} days are the tuning days; the rest are held apart.",
    ]
    warning = no_held_out_warning(evaluation)
    if warning is not None:
        lines += ["", f"**{warning}**"]
    for split, days in _splits(evaluation).items():
        if evaluation.dates[days]:
            lines += ["", f"## {split} ({_range(evaluation, days)})", "", *_table(evaluation, days)]
    lines += ["", *_cascade_section(evaluation)]
    for ranker in evaluation.rankers:
        lines += ["", *_day_table(evaluation, ranker)]
    return "\n".join(lines) + "\n"


def _table(evaluation: Evaluation, days: slice) -> list[str]:
    keys = _keys(evaluation)
    head = "| ranker | " + " | ".join(_label(key, evaluation) for key in keys) + " |"
    rows = [head, "|" + " --- |" * (len(keys) + 1)]
    for ranker in evaluation.rankers:
        cells = [_cell(ranker.interval(key, days)) for key in keys]
        rows.append(f"| {ranker.name} | " + " | ".join(cells) + " |")
    return rows


def _cascade_section(evaluation: Evaluation) -> list[str]:
    options = evaluation.options
    lines = [
        "## Cascade",
        "",
        "The ranker's top share goes to the judge, replayed from the recorded judgments; "
        "kept is the share of the full judge's selection the cascade also selects, tokens are "
        "those the judge's own requests and batches would carry. The share is the "
        f"smallest whose mean kept share on the tuning days reaches {options.keep_target:g}.",
        "",
        "| ranker | share | kept (tuning) | kept (held-out) | kept, pooled (held-out) "
        "| tokens (held-out) | full judge tokens (held-out) | saving (held-out) |",
        "|" + " --- |" * 8,
    ]
    for ranker in evaluation.rankers:
        if not ranker.replayed:
            lines.append(_cascade_row(evaluation, ranker))
    return lines


def _cascade_row(evaluation: Evaluation, ranker: RankerEvaluation) -> str:
    share = evaluation.cascade_share(ranker)
    if share is None:
        return f"| {ranker.name} | none reaches the target | | | | | | |"
    tune, held = evaluation.tuning, evaluation.held_out
    kept_tuning = _cell(ranker.interval(f"kept@{share}", tune))
    if not _has_held_out(evaluation):
        return f"| {ranker.name} | {share:.0%} | {kept_tuning} |" + " no held-out days |" * 5
    tokens, full = ranker.tokens(share, held), ranker.tokens(None, held)
    saving = 1 - tokens / full if full else math.nan
    pooled = ranker.pooled_kept(share, held)
    return (
        f"| {ranker.name} | {share:.0%} | {kept_tuning} "
        f"| {_cell(ranker.interval(f'kept@{share}', held))} | {pooled:.3f} "
        f"| {tokens:,} | {full:,} | {saving:.1%} |"
    )


def _day_table(evaluation: Evaluation, ranker: RankerEvaluation) -> list[str]:
    budgets = evaluation.options.budgets
    head = " | ".join(f"R@{share * 100:g}%" for share in budgets)
    lines = [
        f"## Days: {ranker.name}",
        "",
        f"| date | papers | positives | {head} | AP | nDCG | Spearman |",
        "|" + " --- |" * (len(budgets) + 6),
    ]
    for day in ranker.days:
        recalls = " | ".join(_number(day.recall[share]) for share in budgets)
        lines.append(
            f"| {day.date} | {day.papers} | {day.positives} | {recalls} "
            f"| {_number(day.average_precision)} | {_number(day.ndcg)} "
            f"| {_number(day.spearman)} |"
        )
    return lines


def _number(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3f}"


def to_json(evaluation: Evaluation) -> dict[str, Any]:
    """The evaluation as plain data: options, summaries per split, cascade, every day."""
    options = evaluation.options
    return {
        "positive": options.positive,
        "budgets": list(options.budgets),
        "tune_days": options.tune_days,
        "dates": [str(date) for date in evaluation.dates],
        "held_out_days": len(evaluation.dates[evaluation.held_out]),
        "warnings": [w for w in (no_held_out_warning(evaluation),) if w is not None],
        "rankers": [_ranker_json(evaluation, ranker) for ranker in evaluation.rankers],
    }


def _ranker_json(evaluation: Evaluation, ranker: RankerEvaluation) -> dict[str, Any]:
    summary = {
        split: {key: _finite(ranker.interval(key, days)) for key in _keys(evaluation)}
        for split, days in _splits(evaluation).items()
    }
    share = None if ranker.replayed else evaluation.cascade_share(ranker)
    cascade: dict[str, Any] = {"share": share}
    if share is not None:
        for split, days in _splits(evaluation).items():
            empty = not evaluation.dates[days]
            cascade[split] = {
                "kept": _finite(ranker.interval(f"kept@{share}", days)),
                "kept_pooled": _finite1(ranker.pooled_kept(share, days)),
                "tokens": None if empty else ranker.tokens(share, days),
                "full_tokens": None if empty else ranker.tokens(None, days),
            }
    return {
        "name": ranker.name,
        "seconds": round(ranker.seconds, 3),
        "summary": summary,
        "cascade": cascade,
        "days": [
            {
                "date": str(day.date),
                "papers": day.papers,
                "positives": day.positives,
                "recall": {f"{share:g}": _finite1(value) for share, value in day.recall.items()},
                "ap": _finite1(day.average_precision),
                "ndcg": _finite1(day.ndcg),
                "spearman": _finite1(day.spearman),
                "cascade": [
                    {
                        "share": item.share,
                        "judged": item.judged,
                        "selected": item.selected,
                        "full_selected": item.full_selected,
                        "prompt_tokens": item.prompt_tokens,
                        "completion_tokens": item.completion_tokens,
                        "full_tokens": item.full_tokens,
                    }
                    for item in day.cascade
                ],
            }
            for day in ranker.days
        ],
    }


def _finite1(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)


def _finite(value: Interval) -> dict[str, float | None]:
    return dict(zip(("mean", "low", "high"), (_finite1(v) for v in value), strict=True))


def render_plot(evaluation: Evaluation, path: Path) -> None:
    """Mean recall against budget per ranker, held-out days solid and tuning days dashed.

    Raises:
        MissingExtraError: matplotlib is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingExtraError("The evaluation plot", "eval") from None

    shares = sorted({*evaluation.options.shares})
    figure, axes = plt.subplots(figsize=(7, 4.5), dpi=120)
    for index, ranker in enumerate(evaluation.rankers):
        colour = f"C{index}"
        for split, style in (("held-out", "-"), ("tuning", "--")):
            days = _splits(evaluation)[split]
            if not evaluation.dates[days]:
                continue
            means = [ranker.interval(f"kept@{share}", days)[0] for share in shares]
            label = f"{ranker.name} ({split})"
            axes.plot([s * 100 for s in shares], means, style, color=colour, label=label)
    axes.axvline(25, color="grey", linewidth=0.8)
    axes.axhline(0.95, color="grey", linewidth=0.8, linestyle=":")
    axes.set_xlabel("budget: share of the day ranked first (%)")
    axes.set_ylabel(
        f"recall of the judge's positives (relevance >= {evaluation.options.positive:g})"
    )
    axes.set_xlim(0, 100)
    axes.set_ylim(0, 1.01)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def summary_lines(evaluation: Evaluation) -> list[str]:
    """The headline figures: recall within 25 % per split, AP, and the cascade's share and
    saving, one line per ranker; a warning first when no day is held out."""
    warning = no_held_out_warning(evaluation)
    lines = [] if warning is None else [warning]
    splits = {k: v for k, v in _splits(evaluation).items() if evaluation.dates[v]}
    for ranker in evaluation.rankers:
        parts = []
        for split, days in splits.items():
            mean, low, high = ranker.interval("recall@0.25", days)
            parts.append(f"recall@25% {split} {mean:.3f} [{low:.2f}, {high:.2f}]")
        parts.append(_held_out_ap(evaluation, ranker))
        share = None if ranker.replayed else evaluation.cascade_share(ranker)
        if share is not None:
            parts.append(_cascade_summary(evaluation, ranker, share))
        lines.append(f"{ranker.name}: " + "; ".join(parts))
    return lines


def _held_out_ap(evaluation: Evaluation, ranker: RankerEvaluation) -> str:
    if not _has_held_out(evaluation):
        return "AP held-out: no held-out days"
    return f"AP held-out {ranker.interval('ap', evaluation.held_out)[0]:.3f}"


def _cascade_summary(evaluation: Evaluation, ranker: RankerEvaluation, share: float) -> str:
    if not _has_held_out(evaluation):
        return f"cascade share {share:.0%} chosen on the tuning days; held-out: no held-out days"
    held = evaluation.held_out
    tokens, full = ranker.tokens(share, held), ranker.tokens(None, held)
    kept = ranker.interval(f"kept@{share}", held)[0]
    return (
        f"cascade share {share:.0%} keeps {kept:.3f} held-out "
        f"at {tokens / full:.1%} of the full judge's tokens"
    )
