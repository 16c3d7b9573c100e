"""The ``site`` and ``deliver`` commands: the archive site, and sending digests again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import click

from papersift.config import load_settings
from papersift.deliver import deliver_document, deliveries_configured, retry_deliveries
from papersift.deliver.base import Delivery
from papersift.errors import ConfigError, DeliveryError, InputError, MissingExtraError
from papersift.history_cli import use_db
from papersift.publish import site_dir
from papersift.render._documents import latest_digest_date, load_document
from papersift.store.runs import open_store


def deliveries_failed(failed: Sequence[Delivery]) -> DeliveryError:
    """The error that ends a command whose deliveries failed, naming each."""
    lines = [f"{r.channel} {r.target}: {r.last_error}" for r in failed]
    return DeliveryError(
        f"{len(failed)} deliver{'y' if len(failed) == 1 else 'ies'} failed "
        "(the digest files were written):\n  " + "\n  ".join(lines),
        "Fix the cause, then run `papersift deliver --retry`.",
    )


@click.group()
def site() -> None:
    """Build the static archive site of the digests."""


@site.command("build")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Config file.")
@click.option(
    "--digests",
    "digests_dir",
    type=click.Path(path_type=Path),
    help="The folder holding YYYY-MM/YYYY-MM-DD.json (default: [output] dir).",
)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Where to write the site.")
def site_build(config_path: Path | None, digests_dir: Path | None, out_dir: Path | None) -> None:
    """Write the site: latest day, day pages, archives, search and the Atom feed."""
    settings = load_settings(config_path)
    digests = digests_dir or settings.output.dir
    try:
        from papersift.render.site import build_site
    except ImportError:
        raise MissingExtraError("The archive site", "web") from None
    result = build_site(digests, out_dir or site_dir(settings, digests), settings.site)
    click.echo(f"Site of {len(result.days)} day(s) written to {result.folder / 'index.html'}")


@click.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Config file.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Output folder.")
@click.option("--retry", is_flag=True, help="Send again every delivery that failed.")
@click.option(
    "--date", "date_text", metavar="YYYY-MM-DD", help="The digest to send (default: latest)."
)
def deliver(
    config_path: Path | None, out_dir: Path | None, retry: bool, date_text: str | None
) -> None:
    """Send a written digest to Slack and e-mail, or (--retry) resend what failed."""
    settings = load_settings(config_path)
    folder = out_dir or settings.output.dir
    if not deliveries_configured(settings):
        raise ConfigError(
            "No delivery is configured.",
            "Set [slack] webhook_url or bot_token and channel, or [email] recipients "
            "(or SLACK_WEBHOOK_URL / SLACK_BOT_TOKEN and SLACK_CHANNEL).",
        )
    if retry and date_text:
        raise InputError("--retry resends every failed delivery; it takes no --date.")
    with open_store(use_db(settings).store) as log:
        if retry:
            records = retry_deliveries(settings, log, folder)
            if not records:
                click.echo("No failed delivery to send again.")
        else:
            date = _date(date_text) if date_text else latest_digest_date(folder)
            records = deliver_document(load_document(folder, date), settings, log)
    for record in records:
        click.echo(f"{record.status}: {record.channel} {record.target} ({record.digest_date})")
    failed = [record for record in records if record.status == "failed"]
    if failed:
        raise deliveries_failed(failed)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--date {value!r} is not a date.", "Write it as YYYY-MM-DD.") from None
