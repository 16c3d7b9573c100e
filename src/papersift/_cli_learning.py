"""The commands of learning from the reader: rate, profile, seed, serve and eval-learning."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from papersift.config import Settings, load_settings
from papersift.errors import InputError
from papersift.history_cli import use_db
from papersift.models import ArxivId

logger = logging.getLogger(__name__)

_CONFIG = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Config file (TOML) [default: papersift.toml if present].",
)


def register(main: click.Group) -> None:
    """Add the learning commands to the ``papersift`` group."""
    for command in (rate, profile, seed, serve, eval_learning):
        main.add_command(command)


def _paper_id(text: str) -> str:
    try:
        paper_id = ArxivId.parse(text).id
    except ValueError:
        paper_id = None
    if paper_id is None or not _plausible(paper_id):
        raise InputError(
            f"{text!r} is not an arXiv id.", "Give it as 2501.01234 or hep-th/9901001."
        ) from None
    return paper_id


def _plausible(paper_id: str) -> bool:
    """Whether the id's year and month exist in arXiv's numbering: old-style ids from 1991
    to March 2007, new-style ones from April 2007, with five digits from January 2015."""
    if "/" in paper_id:
        stamp = paper_id.split("/")[1][:4]
        year, month = int(stamp[:2]), int(stamp[2:])
        full = (1900 if year >= 91 else 2000) + year
        return 1 <= month <= 12 and (1991, 8) <= (full, month) <= (2007, 3)
    stamp, number = paper_id.split(".")
    year, month = int(stamp[:2]), int(stamp[2:])
    digits = 5 if (year, month) >= (15, 1) else 4
    return 1 <= month <= 12 and (year, month) >= (7, 4) and len(number) == digits


@click.command()
@click.argument("paper_id", metavar="ID")
@click.argument("kind", metavar="like|dislike|save")
@click.option(
    "--note", default=None, help="A note kept with the rating [default: the paper's last note]."
)
@_CONFIG
def rate(paper_id: str, kind: str, note: str | None, config_path: Path | None) -> None:
    """Rate a paper; ratings outrank the judge's verdicts when the model is next fitted."""
    from papersift.learning import profile_store, record_rating
    from papersift.profile import latest_ratings, parse_rating_kind

    settings = use_db(load_settings(config_path))
    store = profile_store(settings)
    paper_id, verdict = _paper_id(paper_id), parse_rating_kind(kind)
    if note is None:
        previous = latest_ratings(store.load_ratings(settings.profile.name)).get(paper_id)
        note = previous.note if previous else ""
    rating = record_rating(store, settings, paper_id, verdict, note)
    known = (
        ""
        if rating.paper
        else " (its text is not known yet: no digest, database or profile history has it; it "
        "trains once the paper is seeded, papersift seed --ids FILE, or judged in a run)"
    )
    click.echo(
        f"Rated {rating.paper_id} {rating.kind} for profile {settings.profile.name!r}{known}."
    )


@click.group()
def profile() -> None:
    """What the profile has learned."""


@profile.command("show")
@_CONFIG
@click.option("--json", "as_json", is_flag=True, help="Print the same figures as JSON.")
def profile_show(config_path: Path | None, as_json: bool) -> None:
    """Days, papers, positives, ratings and seeds of the profile, the model's blend weight, and
    its measured quality."""
    from papersift.learning import profile_store, summarise

    settings = use_db(load_settings(config_path))
    summary = summarise(
        profile_store(settings),
        settings.profile.name,
        settings.learning,
        judging=settings.judge.enabled,
    )
    if as_json:
        click.echo(json.dumps(summary.as_dict(), indent=2))
        return
    for line in summary.lines():
        click.echo(line)


@profile.command("fit")
@_CONFIG
def profile_fit(config_path: Path | None) -> None:
    """Fit the model now on the profile's judgments, ratings and seeds."""
    from papersift.learning import fit_profile, profile_store, summarise

    settings = use_db(load_settings(config_path))
    model = fit_profile(settings)
    summary = summarise(
        profile_store(settings),
        settings.profile.name,
        settings.learning,
        judging=settings.judge.enabled,
    )
    if model is None:
        reasons = "; ".join(summary.missing) or "no examples, ratings or seeds yet"
        click.echo(f"Not fitted: the history is too short ({reasons}).")
    for line in summary.lines():
        click.echo(line)


@click.command()
@click.option("--bibtex", type=click.Path(path_type=Path, dir_okay=False), help="A BibTeX file.")
@click.option("--ris", type=click.Path(path_type=Path, dir_okay=False), help="A RIS file.")
@click.option("--csl-json", type=click.Path(path_type=Path, dir_okay=False), help="CSL-JSON.")
@click.option(
    "--ids", type=click.Path(path_type=Path, dir_okay=False), help="arXiv ids, one a line."
)
@click.option(
    "--zotero",
    "zotero_id",
    metavar="USER_OR_GROUP_ID",
    is_flag=False,
    flag_value="",
    default=None,
    help="A Zotero library through its web API (alone: the id in [zotero] of the config).",
)
@click.option("--zotero-key", help="The Zotero API key [default: ZOTERO_API_KEY].")
@click.option("--zotero-group", is_flag=True, help="The id is a group's, not a user's.")
@click.option("--zotero-collection", metavar="KEY", help="Only this collection of the library.")
@click.option("--zotero-url", metavar="URL", help="The Zotero web API's address.")
@_CONFIG
def seed(
    bibtex: Path | None,
    ris: Path | None,
    csl_json: Path | None,
    ids: Path | None,
    zotero_id: str | None,
    zotero_key: str | None,
    zotero_group: bool,
    zotero_collection: str | None,
    zotero_url: str | None,
    config_path: Path | None,
) -> None:
    """Import papers of the reader's library as positives, resolved through the arXiv API."""
    from papersift.learning import seed_profile, seed_zotero

    chosen = [
        (k, p)
        for k, p in (("bibtex", bibtex), ("ris", ris), ("csl-json", csl_json), ("ids", ids))
        if p
    ]
    if len(chosen) + (zotero_id is not None) != 1:
        raise click.UsageError(
            "Give exactly one of --bibtex, --ris, --csl-json, --ids or --zotero."
        )
    settings = use_db(load_settings(config_path))
    if zotero_id is not None:
        zotero = settings.zotero
        zotero.library_id = zotero_id or zotero.library_id
        zotero.library_type = "group" if zotero_group else zotero.library_type
        zotero.api_key = zotero_key or zotero.api_key  # type: ignore[assignment]
        zotero.collection = zotero_collection or zotero.collection
        zotero.base_url = zotero_url or zotero.base_url
        result = seed_zotero(settings)
    else:
        kind, path = chosen[0]
        result = seed_profile(settings, path, kind)  # type: ignore[arg-type]
    for line in result.lines():
        click.echo(line)


@click.command()
@_CONFIG
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port to listen on (0 picks a free one).",
)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="The digests' folder.")
def serve(config_path: Path | None, host: str, port: int, out_dir: Path | None) -> None:
    """Browse the digests, search, and rate papers in a local web app."""
    from papersift.web.app import run_server

    settings = use_db(load_settings(config_path))
    run_server(
        settings, host, port, out_dir, lambda url: click.echo(f"Serving on {url} (Ctrl-C stops)")
    )


@click.command("eval-learning")
@click.option(
    "--data",
    "folder",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    required=True,
    help="A folder of labelled days (YYYY-MM-DD.jsonl) with interests.md beside them.",
)
@click.option(
    "--interests",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The interests file the days were judged against [default: interests.md in --data].",
)
@click.option(
    "--features",
    type=click.Choice(["text", "embedding"]),
    help="What the model reads: TF-IDF of the words, or MiniLM embeddings "
    "[default: [learning] features of the config, text].",
)
@click.option(
    "--ranker",
    "ranker_kind",
    type=click.Choice(["hybrid", "embedding", "tfidf"]),
    help="The base ranker the model is blended with [default: [ranker] kind of the config].",
)
@click.option("--cache-dir", type=click.Path(path_type=Path), help="Embedding cache folder.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("out/eval-learning"),
    show_default=True,
    help="Where learning.json and learning-recall.png are written.",
)
@click.option(
    "--cascade-share",
    type=click.FloatRange(0.01, 1.0),
    default=0.25,
    show_default=True,
    help="The share of each day the cascade sends to the judge.",
)
@click.option(
    "--closed-loop",
    is_flag=True,
    help="Learn only from the papers the cascade judged, as in use, not from every paper.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Config file whose [learning] settings are replayed [default: the built-in settings].",
)
def eval_learning(
    folder: Path,
    interests: Path | None,
    features: str | None,
    ranker_kind: str | None,
    cache_dir: Path | None,
    out_dir: Path,
    cascade_share: float,
    closed_loop: bool,
    config_path: Path | None,
) -> None:
    """Replay labelled days in order, each ranked by a model of the days before it."""
    settings = load_settings(config_path) if config_path else Settings()
    if ranker_kind is not None:
        settings.ranker.kind = ranker_kind  # type: ignore[assignment]
    echo_learning(
        folder, interests, cache_dir, out_dir, settings, features, cascade_share, closed_loop
    )


def echo_learning(
    folder: Path,
    interests: Path | None,
    cache_dir: Path | None,
    out: Path,
    settings: Settings | None = None,
    features: str | None = None,
    cascade_share: float = 0.25,
    closed_loop: bool = False,
) -> None:
    """Run the learning replay (with the default settings unless given) and print its figures."""
    from papersift.learning import evaluate_learning

    lines, written = evaluate_learning(
        settings or Settings(),
        folder,
        interests,
        features,
        cache_dir,
        out,
        cascade_share,
        closed_loop,
    )
    for line in lines:
        click.echo(line)
    for path in written:
        click.echo(f"Wrote {path}")
