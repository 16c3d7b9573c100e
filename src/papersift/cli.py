"""The ``papersift`` command: parse options, build settings, call the library, map errors."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import click

from papersift import __version__
from papersift._terminal import RichReporter, setup_logging
from papersift.config import load_settings
from papersift.errors import InputError, PapersiftError
from papersift.evaluate_cli import eval_command
from papersift.history_cli import register_history_commands, use_db
from papersift.pipeline import RunOptions, iter_entries, run_day
from papersift.web_cli import deliver, deliveries_failed, site

logger = logging.getLogger(__name__)


class _Group(click.Group):
    """Turns papersift's errors into one message and an exit code instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PapersiftError as exc:
            if ctx.meta.get("papersift.debug"):
                raise
            click.echo(f"Error: {exc.message}", err=True)
            if exc.hint:
                click.echo(exc.hint, err=True)
            ctx.exit(exc.exit_code)


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--date {value!r} is not a date.", "Write it as YYYY-MM-DD.") from None


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="papersift")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for HTTP requests).")
@click.option("-q", "--quiet", count=True, help="Less log output.")
@click.option("--debug", is_flag=True, envvar="PAPERSIFT_DEBUG", help="Show tracebacks.")
@click.option(
    "--db",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The database file (default: [store] path, PAPERSIFT_DB, or the user data folder).",
)
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: int, debug: bool, db: Path | None) -> None:
    """Sift each day's arXiv announcements down to the papers worth reading."""
    ctx.meta["papersift.debug"] = debug
    ctx.meta["papersift.db"] = db
    setup_logging(verbose - quiet)


@main.command()
@click.option("--date", "date_text", metavar="YYYY-MM-DD", help="Announcement date to process.")
@click.option("--from-file", metavar="PATH", help="Read feeds from a file, folder or glob.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Config file.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Output folder.")
@click.option("--top", type=click.IntRange(min=1), help="How many papers to keep.")
@click.option("--dry-run", is_flag=True, help="Show what would be done; write and spend nothing.")
@click.option("--send-empty", is_flag=True, default=None, help="Write a digest on empty days too.")
def run(
    date_text: str | None,
    from_file: str | None,
    config_path: Path | None,
    out_dir: Path | None,
    top: int | None,
    dry_run: bool,
    send_empty: bool | None,
) -> None:
    """Build the digest of one day: fetch, filter, rank, render."""
    settings = use_db(load_settings(config_path))
    options = RunOptions(_date(date_text), from_file, out_dir, top, dry_run, send_empty)
    result = run_day(settings, options, RichReporter())
    if result.digest is not None and dry_run:
        for line in iter_entries(result.digest):
            click.echo(line)
    click.echo(result.message)
    if result.problems:
        # A feed read only in part: the digest of what was readable is written, yet the run
        # fails so that a scheduled job notices.
        for problem in result.problems:
            click.echo(f"Error: {problem}", err=True)
        click.echo("The digest holds only the items read whole; fetch the feed again.", err=True)
        click.get_current_context().exit(1)
    if result.judge_failure:
        click.echo(f"Error: {result.judge_failure}", err=True)
        click.echo(
            "The digest was written with the local ranking; run the day again once the "
            "endpoint answers.",
            err=True,
        )
    if result.failed_deliveries:
        raise deliveries_failed(result.failed_deliveries)
    if result.judge_failure:
        click.get_current_context().exit(1)


@main.command()
@click.option(
    "--dir", "folder", type=click.Path(path_type=Path), default=Path("."), help="Where to write."
)
def init(folder: Path) -> None:
    """Write a commented starter config and interests file."""
    starter = resources.files("papersift") / "starter"
    targets = {"papersift.toml": folder / "papersift.toml", "interests.md": folder / "interests.md"}
    existing = [str(path) for path in targets.values() if path.exists()]
    if existing:
        raise InputError(
            f"Not overwriting {', '.join(repr(p) for p in existing)}.",
            "Move the existing files away first, or use --dir to write elsewhere.",
        )
    folder.mkdir(parents=True, exist_ok=True)
    for name, target in targets.items():
        target.write_text((starter / name).read_text(encoding="utf-8"), encoding="utf-8")
        click.echo(f"Wrote {target}")
    if folder.resolve() == Path.cwd().resolve():
        click.echo("Edit interests.md, then run: papersift run")
    else:
        config = targets["papersift.toml"]
        click.echo(f"Edit {targets['interests.md']}, then run: papersift run --config {config}")


register_history_commands(main)
main.add_command(site)
main.add_command(deliver)
main.add_command(eval_command)
from papersift._cli_learning import register as _register_learning  # noqa: E402

_register_learning(main)


def entry() -> None:
    """Console entry point."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.exit(main())
