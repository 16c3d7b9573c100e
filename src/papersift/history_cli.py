"""The commands on the store: ``backfill``, ``history``, ``show`` and ``export``.

They live beside ``cli.py`` to keep it short; ``cli.py`` registers them on its group.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from papersift._terminal import RichReporter
from papersift.config import Settings, load_settings
from papersift.errors import InputError
from papersift.export import EXPORTERS
from papersift.models import ArxivId
from papersift.store.history import RunRow, load_paper_history, load_runs, load_shown
from papersift.store.lockholder import run_lock_held
from papersift.store.runs import open_store
from papersift.store.store import Store
from papersift.store.summary import digest_profiles, digest_span, run_profiles


def use_db(settings: Settings) -> Settings:
    """Apply the global ``--db`` option, which outranks the file and ``PAPERSIFT_DB``."""
    context = click.get_current_context(silent=True)
    db = context.find_root().meta.get("papersift.db") if context else None
    if db is not None:
        settings.store.path = db
    return settings


def _day(option: str, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value!r} is not a date.", "Write it as YYYY-MM-DD.") from None


def _config_option(function: Any) -> Any:
    return click.option(
        "--config", "config_path", type=click.Path(path_type=Path), help="Config file."
    )(function)


@click.command()
@click.option("--from", "start_text", required=True, metavar="YYYY-MM-DD", help="First day.")
@click.option("--to", "end_text", required=True, metavar="YYYY-MM-DD", help="Last day.")
@_config_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Output folder.")
def backfill(
    start_text: str, end_text: str, config_path: Path | None, out_dir: Path | None
) -> None:
    """Fill in the listing days from --from to --to that have no digest, from the arXiv API."""
    from papersift.backfill import backfill as run_backfill
    from papersift.pipeline import RunOptions

    start, end = _day("--from", start_text), _day("--to", end_text)
    assert start is not None and end is not None
    if end < start:
        raise InputError(f"--to {end} is before --from {start}.", "Swap the two dates.")
    settings = use_db(load_settings(config_path))
    result = run_backfill(settings, start, end, RunOptions(out_dir=out_dir), RichReporter())
    for day in result.skipped:
        click.echo(f"{day}: already has a digest")
    for day, outcome in result.results.items():
        click.echo(f"{day}: {outcome.message}")
    if not result.results:
        click.echo(f"No day from {start} to {end} is missing.")


@click.command()
@_config_option
@click.option(
    "--limit", type=click.IntRange(min=1), default=30, show_default=True, help="Runs to list."
)
@click.option("--profile", help="Only the runs of this profile.")
def history(config_path: Path | None, limit: int, profile: str | None) -> None:
    """List past runs: dates, counts, tokens and cost."""
    settings = use_db(load_settings(config_path))
    with open_store(settings.store, readonly=True) as store:
        runs = load_runs(store, limit, profile)
        profiles = run_profiles(store) if not runs else []
        if any(run.status == "running" for run in runs) and not run_lock_held(store.path):
            # No process holds the run lock, so a run still marked running was killed.
            runs = [
                dataclasses.replace(run, status="interrupted") if run.status == "running" else run
                for run in runs
            ]
    if not runs:
        click.echo(_no_runs(profile, profiles))
        return
    click.echo(
        f"{'run':>5}  {'date':10}  {'profile':12}  {'status':11}  {'papers':>6}  "
        f"{'scanned':>7}  {'shown':>5}  {'tokens':>8}  {'cost':>8}  started (UTC)"
    )
    for run in runs:
        for line in _run_lines(run):
            click.echo(line)


_INTERRUPTED = "the run's process ended before the run did (killed, or the machine stopped)"


def _run_lines(run: RunRow) -> list[str]:
    """One run's row, and below it the reason of a run that did not end with a digest."""
    cost = "unpriced" if run.cost is None else f"${run.cost:.4f}"
    mark = " (backfilled)" if run.backfilled else ""
    lines = [
        f"{run.run_id:>5}  {run.date or '-':10}  {run.profile[:12]:12}  {run.status:11}  "
        f"{run.papers:>6}  {run.scanned:>7}  {run.selected:>5}  "
        f"{run.prompt_tokens + run.completion_tokens:>8}  {cost:>8}  "
        f"{_started(run.started_at)}{mark}"
    ]
    reason = run.message or (_INTERRUPTED if run.status == "interrupted" else "")
    if reason and run.status != "ok":
        lines.append(f"{'':7}{run.status}: {reason}")
    return lines


def _started(stamp: str) -> str:
    """``2026-05-26T20:01:02+00:00`` as ``2026-05-26 20:01``."""
    try:
        when = dt.datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return str(stamp or "-")
    return when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")


def _no_runs(profile: str | None, profiles: list[str]) -> str:
    if profile is None or not profiles:
        return "No runs recorded yet."
    return (
        f"No runs recorded for profile {profile!r}. "
        f"Profiles with runs: {', '.join(profiles)} (name one with --profile NAME)."
    )


@click.command()
@click.argument("paper_id")
@_config_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def show(paper_id: str, config_path: Path | None, as_json: bool) -> None:
    """Everything known about one paper: listings, scores by model, digests it appeared in."""
    try:
        arxiv_id = ArxivId.parse(paper_id)
    except ValueError:
        raise InputError(
            f"{paper_id!r} is not an arXiv id.", "Write it as 2501.01234 or hep-th/9901001."
        ) from None
    settings = use_db(load_settings(config_path))
    with open_store(settings.store, readonly=True) as store:
        known = load_paper_history(store, arxiv_id.id)
    if known is None:
        raise InputError(
            f"Paper {arxiv_id.id!r} is not in the database.",
            "Check the id; `papersift export` lists the papers shown so far.",
        )
    if as_json:
        click.echo(json.dumps(known, indent=2, ensure_ascii=False))
        return
    for line in _paper_lines(known):
        click.echo(line)


def _paper_lines(known: dict[str, Any]) -> list[str]:
    paper = known["paper"]
    # A labelled day or a bare id list gives neither; say so rather than print a blank.
    versions = ", ".join(f"v{v['version']}" for v in known["versions"] if v["version"])
    categories = ", ".join(paper["categories"]) or "none known"
    lines = [
        f"{paper['id']}  {paper['title']}",
        f"Authors: {', '.join(paper['authors'])}",
        f"Categories: {categories}   Versions: {versions or 'unknown'}",
        "Listings:",
    ]
    lines += [
        f"  {a['date']}  {a['category']:10}  {a['announce_type']:13}  {a['source']}"
        for a in known["announcements"]
    ] or ["  (none)"]
    lines.append("Embeddings: " + (", ".join(e["model"] for e in known["embeddings"]) or "none"))
    lines.append("Judgments:")
    lines += [
        f"  {j['model']} (prompt {j['prompt_hash'][:8]}): relevance {j['relevance']}, "
        f"novelty {j['novelty']}, {j['prompt_tokens'] + j['completion_tokens']} tokens "
        f"— {j['comment']}"
        for j in known["judgments"]
    ] or ["  (none)"]
    lines.append("Digests:")
    lines += [
        f"  {d['date']}  {d['profile']}  #{d['position']}  score {d['score']:.3f}"
        + (" (backfilled)" if d["backfilled"] else "")
        for d in known["digests"]
    ] or ["  (none)"]
    return lines


@click.command()
@click.option(
    "--format",
    "kind",
    type=click.Choice(sorted(EXPORTERS)),
    default="jsonl",
    show_default=True,
    help="Export format.",
)
@click.option("--from", "start_text", metavar="YYYY-MM-DD", help="First digest date.")
@click.option("--to", "end_text", metavar="YYYY-MM-DD", help="Last digest date.")
@click.option("--min-relevance", type=float, help="Only judged papers at least this relevant.")
@click.option("--profile", help="Only the digests of this profile.")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write to this file instead of the terminal.",
)
@_config_option
def export(
    kind: str,
    start_text: str | None,
    end_text: str | None,
    min_relevance: float | None,
    profile: str | None,
    output: Path | None,
    config_path: Path | None,
) -> None:
    """Write the papers shown in past digests as JSON Lines, CSV or BibTeX."""
    start, end = _day("--from", start_text), _day("--to", end_text)
    settings = use_db(load_settings(config_path))
    with open_store(settings.store, readonly=True) as store:
        rows = load_shown(store, start, end, min_relevance, profile)
        why = "" if rows else _nothing_shown(store, start, end, min_relevance, profile)
    text = EXPORTERS[kind](rows)
    papers = len({row.paper.id for row in rows})
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"Cannot write {str(output)!r}: {exc.strerror}.") from None
    target = "the terminal" if output is None else str(output)
    if not rows:
        click.echo(f"Exported no papers to {target}: {why}", err=output is None)
        return
    entries = f" ({len(rows)} digest entries)" if len(rows) != papers else ""
    click.echo(f"Exported {papers} paper(s){entries} to {target}", err=output is None)


def _nothing_shown(
    store: Store,
    start: dt.date | None,
    end: dt.date | None,
    min_relevance: float | None,
    profile: str | None,
) -> str:
    """Why an export found no paper: no digest at all, none of the profile, none in the dates,
    or none judged relevant enough."""
    everything = digest_span(store)
    if everything.count == 0:
        return "the database holds no digest yet; `papersift run` writes one."
    if profile is not None and digest_span(store, profile).count == 0:
        return (
            f"no digest of profile {profile!r}; "
            f"profiles with digests: {', '.join(digest_profiles(store))}."
        )
    if digest_span(store, profile, start, end).count == 0:
        span = digest_span(store, profile)
        return (
            f"no digest dated {_dates_asked(start, end)}; "
            f"the digests{f' of {profile!r}' if profile else ''} run from {span.first} "
            f"to {span.last}."
        )
    if min_relevance is not None:
        return (
            f"no judged paper at relevance {min_relevance:g} or more in the digests asked for "
            "(papers ranked only locally have no relevance)."
        )
    return "no paper was shown in the digests asked for."


def _dates_asked(start: dt.date | None, end: dt.date | None) -> str:
    if start and end:
        return f"from {start} to {end}"
    return f"on or after {start}" if start else f"on or before {end}"


def register_history_commands(group: click.Group) -> None:
    """Add the store's commands to the ``papersift`` group."""
    for command in (backfill, history, show, export):
        group.add_command(command)
