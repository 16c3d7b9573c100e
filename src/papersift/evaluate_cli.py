"""The ``eval`` command: the rankers and the cascade measured against a judge's labelled days."""

from __future__ import annotations

import json
from pathlib import Path

import click
import platformdirs


@click.command("eval")
@click.option("--judged", type=click.Path(path_type=Path), required=True, help="Labelled days.")
@click.option(
    "--interests",
    "interests_path",
    type=click.Path(path_type=Path),
    required=True,
    help="The interests file the days were judged against.",
)
@click.option(
    "--positive",
    type=float,
    default=8.0,
    show_default=True,
    help="The judge's relevance from which a paper is a positive.",
)
@click.option(
    "--rankers",
    default="tfidf,bm25,embedding,hybrid",
    show_default=True,
    help="Rankers to compare: tfidf, bm25, embedding[:MODEL], hybrid.",
)
@click.option(
    "--cascade-of",
    default="hybrid",
    show_default=True,
    help="The ranker whose cascade is replayed.",
)
@click.option(
    "--tune-days",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="The first days, on which the cascade share is chosen; the rest are held apart.",
)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Report folder.")
@click.option("--cache-dir", type=click.Path(path_type=Path), help="Embedding cache folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option(
    "--learning",
    is_flag=True,
    help="Replay the days in order with the learned ranker instead (see eval-learning).",
)
def eval_command(
    judged: Path,
    interests_path: Path,
    positive: float,
    rankers: str,
    cascade_of: str,
    tune_days: int,
    out_dir: Path | None,
    cache_dir: Path | None,
    as_json: bool,
    learning: bool = False,
) -> None:
    """Measure the rankers and the cascade against a judge's labelled days."""
    if learning:
        from papersift._cli_learning import echo_learning

        echo_learning(judged, interests_path, cache_dir, out_dir or Path("out/eval-learning"))
        return
    from papersift.evaluate import EvalOptions, evaluate_folder
    from papersift.evaluate.report import no_held_out_warning, summary_lines

    names = [name.strip() for name in rankers.split(",") if name.strip()]
    options = EvalOptions(positive=positive, tune_days=tune_days)
    cache = cache_dir or Path(platformdirs.user_cache_dir("papersift")) / "embeddings"
    outcome = evaluate_folder(judged, interests_path, names, options, out_dir, cache, cascade_of)
    if as_json:
        warning = no_held_out_warning(outcome.evaluation)
        if warning is not None:
            click.echo(warning, err=True)
        click.echo(json.dumps(outcome.report, indent=2))
        return
    for line in summary_lines(outcome.evaluation):
        click.echo(line)
    for path in outcome.files:
        click.echo(f"Wrote {path}")
