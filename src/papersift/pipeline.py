"""One day, stage by stage: sources, filters, ranker, judge, digest, renderers.

Each stage is a function of plain values; this module only sequences them and writes the files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import platformdirs

from papersift import calendar
from papersift._http import make_client
from papersift.config import Settings
from papersift.deliver.base import Delivery
from papersift.digest import DigestInputs, Selection
from papersift.errors import FeedError
from papersift.filters import filter_listing
from papersift.interests import Interests, load_interests
from papersift.judge import FileJudgmentCache, JudgmentCache, build_judged_digest
from papersift.judge.prompts import load_prompt_texts
from papersift.learning import (
    cascade_settings,
    learn_from_digest,
    learned_ranker,
    profile_store,
)
from papersift.models import Digest, Listing
from papersift.publish import publish_digest
from papersift.rank import FileEmbeddingCache, make_ranker
from papersift.render import render_json, render_markdown
from papersift.render._files import is_newest_day, write_atomic
from papersift.sources import ApiSource, RssSource, load_listing_files, merge_listings
from papersift.store import Store
from papersift.store.ledger import JudgmentLedger
from papersift.store.runs import RunRecord, digest_usage, drop_shown, open_store

logger = logging.getLogger(__name__)


class Reporter(Protocol):
    """Shows a stage's progress; the CLI draws rich progress bars, tests pass nothing."""

    def stage(self, name: str, total: int) -> AbstractContextManager[Callable[[int], None]]:
        """A context whose value is called with the number of items just done."""
        ...


class _Silent:
    def stage(self, name: str, total: int) -> AbstractContextManager[Callable[[int], None]]:
        return nullcontext(lambda done: None)


@dataclass(slots=True)
class RunOptions:
    """What one ``papersift run`` was asked to do beyond the settings."""

    date: dt.date | None = None
    from_file: str | None = None
    out_dir: Path | None = None
    top: int | None = None
    dry_run: bool = False
    send_empty: bool | None = None
    now: dt.datetime | None = None
    """The clock, for the staleness check of network sources; tests fix it."""
    judgment_cache: JudgmentCache | None = None
    """Where judgments are kept; defaults to a file in the user's cache directory."""
    backfilled: bool = False
    """The day is filled in later (``papersift backfill``); its digest says so."""
    listing: Listing | None = None
    """A listing already fetched (by ``papersift backfill``), used instead of the sources."""


@dataclass(slots=True)
class RunResult:
    """The outcome of one run: a digest and its files, or the reason there is none."""

    digest: Digest | None
    listing: Listing
    written: list[Path] = field(default_factory=list)
    message: str = ""
    problems: list[str] = field(default_factory=list)
    """Faults of feeds that were read only in part; the digest holds what was readable."""
    failed_deliveries: list[Delivery] = field(default_factory=list)
    """Deliveries that failed; the digest files were written all the same."""
    judge_failure: str = ""
    """Why the judge answered for none of the papers sent to it; the digest was written with
    their local ranking all the same."""


def run_day(settings: Settings, options: RunOptions, reporter: Reporter | None = None) -> RunResult:
    """Fetch, filter, rank and render one day's digest, recording the run in the store.

    The store is opened once, and the run holds its lock throughout, so two runs on one
    database never overlap. A dry run reads the store but records nothing in it.
    """
    with open_store(settings.store) as store, store.run_lock(settings.store.lock_timeout):
        if options.dry_run:
            return _run_day(settings, options, reporter or _Silent(), store, None)
        with RunRecord(store, settings, options.date, options.backfilled) as record:
            return _run_day(settings, options, reporter or _Silent(), store, record)


def _run_day(
    settings: Settings,
    options: RunOptions,
    reporter: Reporter,
    store: Store,
    record: RunRecord | None,
) -> RunResult:
    interests = load_interests(settings.profile.interests)
    if settings.judge.enabled:
        load_prompt_texts(settings.judge)  # a prompt file that cannot be read stops the run now
    listing = fetch_listing(settings, options, reporter)
    if record is not None:
        record.note_listing(listing.date, len(listing.papers))
        store.save_listing(listing)

    empty = _empty_reason(listing, options)
    if empty:
        if not (
            options.send_empty if options.send_empty is not None else settings.output.send_empty
        ):
            if record is not None:
                record.status = "empty"
                record.counts.message = empty
            return RunResult(None, listing, message=empty)
        logger.info("%s Writing an empty digest as asked.", empty)

    ledger = JudgmentLedger(store)
    if options.judgment_cache is None:
        options = dataclasses.replace(options, judgment_cache=ledger)
    digest = select_day(settings, options, listing, interests, reporter, store)
    if empty:
        digest.notices.append(empty)
    problems = list(listing.problems)
    if options.dry_run or record is None:
        return RunResult(digest, listing, message=_dry_run_summary(digest), problems=problems)
    spent, digest.usage = digest.usage, digest_usage(ledger, digest.usage, settings.judge)
    out_dir = options.out_dir or settings.output.dir
    written = write_digest(digest, out_dir, settings.output.formats)
    record.record_digest(digest, spent)
    published = publish_digest(digest, settings, out_dir, log=store)
    written += published.written
    message = f"Digest written to {written[0]}"
    return RunResult(
        digest,
        listing,
        written,
        message,
        problems=problems,
        failed_deliveries=published.failed,
        judge_failure=judge_failure(digest),
    )


def judge_failure(digest: Digest) -> str:
    """The failure of a judge that answered for none of the papers it was sent, if it did so.

    Each batch's failure is otherwise left to the digest's notice; a run in which every batch
    failed (an endpoint down for long, a rate limit that never lifts) fails as a whole, after
    writing the digest, so that a scheduled job notices.
    """
    statuses = [entry.status for entry in [*digest.entries, *digest.unselected]]
    failed = statuses.count("judge failed")
    if not failed or "judged" in statuses:
        return ""
    return f"The judge answered for none of the {failed} papers sent to it."


def fetch_listing(settings: Settings, options: RunOptions, reporter: Reporter) -> Listing:
    """The day's listing from local files or the configured source, checked for staleness."""
    categories = settings.sources.categories
    if options.listing is not None:
        listing = options.listing
    elif options.from_file:
        with reporter.stage("Reading feeds", 1) as advance:
            listing = load_listing_files(options.from_file, categories, options.date)
            advance(1)
    else:
        listing = _fetch_network(settings, options, reporter)
    _check_date(listing, options)
    logger.info(
        "Listing of %s: %d items, %d papers from %d source(s)",
        listing.date,
        listing.items,
        len(listing.papers),
        len(listing.sources),
    )
    return listing


def _fetch_network(settings: Settings, options: RunOptions, reporter: Reporter) -> Listing:
    source_settings = settings.sources
    with make_client(source_settings.timeout, source_settings.retries) as client:
        if source_settings.kind == "api":
            if options.date is None:
                raise FeedError(
                    "The API source needs a date.",
                    "Pass --date YYYY-MM-DD, or use the RSS source for today's listing.",
                )
            api = ApiSource(
                client,
                source_settings.api_url,
                source_settings.categories,
                source_settings.api_delay,
            )
            return fetch_api_day(api, options.date, source_settings.no_listing_days)
        rss = RssSource(
            client, source_settings.categories, source_settings.rss_url, source_settings.joined
        )
        urls = rss.feed_urls()
        listings = []
        with reporter.stage("Fetching feeds", len(urls)) as advance:
            for url in urls:
                listings.append(rss.fetch_listing(url))
                advance(1)
        listing = merge_listings(listings)
    if options.date is None and listing.papers and listing.date is not None:
        expected = calendar.latest_announcement_date(
            options.now or dt.datetime.now(dt.UTC), settings.sources.no_listing_days
        )
        if listing.date < expected:
            sources = ", ".join(listing.sources)
            raise FeedError(
                f"Source {sources!r} still serves the listing of {listing.date}, "
                f"not the one due for {expected}.",
                "arXiv has not refreshed the feed yet; run again later, or pass "
                f"--date {listing.date} to take the listing it serves.",
                source=sources,
            )
    return listing


def fetch_api_day(
    api: ApiSource, day: dt.date, holidays: frozenset[dt.date] = calendar.HOLIDAYS
) -> Listing:
    """The listing of ``day`` rebuilt from the API: the papers submitted in its window.

    The API's bounds are inclusive and in minutes, so the query ends the minute before the
    cut-off. A weekend or holiday has no window and gives an empty listing.
    """
    # TODO(#4): the API lists papers by submission time only, so such a listing lacks the day's
    # replacements; with the default filters (new and cross) nothing is missed.
    if not calendar.is_listing_day(day, holidays):
        return Listing(date=day, sources=[api.url])
    start, end = calendar.submission_window(day, holidays)
    listing = api.fetch_submitted(start, end - dt.timedelta(minutes=1), day)
    listing.date = day
    return listing


def _check_date(listing: Listing, options: RunOptions) -> None:
    if options.date is None:
        if listing.date is None:
            listing.date = (
                (options.now or dt.datetime.now(dt.UTC)).astimezone(calendar.EASTERN).date()
            )
        return
    if listing.date is not None and listing.date != options.date and listing.papers:
        sources = ", ".join(listing.sources)
        raise FeedError(
            f"Source {sources!r} holds the listing of {listing.date}, "
            f"but {options.date} was asked for.",
            "Pass the matching --date, or fetch that day from the API source.",
            source=", ".join(listing.sources),
        )
    listing.date = options.date


def _empty_reason(listing: Listing, options: RunOptions) -> str | None:
    if listing.papers:
        return None
    if listing.items or listing.problems:
        sources = ", ".join(listing.sources)
        why = (listing.problems or listing.skipped)[0]
        raise FeedError(
            f"Source {sources!r}: none of its {listing.items} item(s) could be read ({why}).",
            "Fetch the feed again, or check the file.",
            source=sources,
        )
    day = listing.date or options.date
    if day is not None and calendar.is_weekend(day):
        return f"No announcements on {day}: arXiv does not announce on weekends."
    return f"No announcements on {day}: the feed is empty (an arXiv holiday?)."


def select_day(
    settings: Settings,
    options: RunOptions,
    listing: Listing,
    interests: Interests,
    reporter: Reporter,
    store: Store | None = None,
) -> Digest:
    """Filter, rank and select the day's papers into a digest.

    With a store, papers shown on an earlier day are dropped and the store is the embedding
    cache, saving each batch of vectors as it is computed.
    """
    outcome = filter_listing(
        listing, settings.filters, settings.sources.categories, interests.authors
    )
    assert listing.date is not None
    if store is not None:
        drop_shown(
            store, outcome, settings.profile.name, listing.date, settings.store.show_replacements
        )
    logger.info("Filters kept %d of %d papers", len(outcome.kept), len(listing.papers))

    cache_dir = (
        settings.ranker.cache_dir or Path(platformdirs.user_cache_dir("papersift")) / "embeddings"
    )
    cache = store if store is not None else FileEmbeddingCache(cache_dir)
    save_every = settings.ranker.batch_size if store is not None else None
    base_ranker = make_ranker(settings.ranker, cache, cache_dir, save_every)
    profiles = profile_store(settings, store)
    ranker = learned_ranker(base_ranker, profiles, settings.profile.name, settings.learning)
    with reporter.stage("Ranking", len(outcome.kept)) as advance:
        scores = {score.paper_id: score for score in ranker.rank(outcome.kept, interests, advance)}

    inputs = DigestInputs(
        date=listing.date,
        profile=settings.profile.name,
        papers=outcome.kept,
        scores=scores,
        filters=outcome,
        total_papers=len(listing.papers),
        ranker=ranker.name,
        notices=_notices(listing),
        interests_text=interests.text,
        backfilled=options.backfilled,
    )
    selection = Selection(
        top=options.top or settings.ranker.top, threshold=settings.ranker.threshold
    )
    judgments = _judgment_cache(settings, options, store)
    digest = build_judged_digest(
        cascade_settings(settings, ranker),
        inputs,
        selection,
        judgments,
        reporter,
        dry_run=options.dry_run,
    )
    if not options.dry_run and settings.learning.enabled:
        learn_from_digest(profiles, digest, interests, base_ranker, settings.learning)
    return digest


def _judgment_cache(settings: Settings, options: RunOptions, store: Store | None) -> JudgmentCache:
    if options.judgment_cache is not None:
        return options.judgment_cache
    if store is not None:
        return store
    return FileJudgmentCache(
        settings.judge.cache_file
        or Path(platformdirs.user_cache_dir("papersift")) / "judgments.jsonl"
    )


def write_digest(digest: Digest, out_dir: Path, formats: list[str]) -> list[Path]:
    """Write the digest under ``out_dir/YYYY-MM/`` and refresh ``latest``; returns the paths."""
    month = out_dir / f"{digest.date:%Y-%m}"
    month.mkdir(parents=True, exist_ok=True)
    rendered = {"markdown": (".md", render_markdown), "json": (".json", render_json)}
    written = []
    newest = is_newest_day(out_dir, digest.date)
    for kind in formats:
        if kind not in rendered:
            continue  # html: written by publish_digest with the assets it needs
        suffix, render = rendered[kind]
        text = render(digest)
        path = month / f"{digest.date.isoformat()}{suffix}"
        write_atomic(path, text)
        if newest:
            write_atomic(out_dir / f"latest{suffix}", text)
        written.append(path)
    return written


def _notices(listing: Listing) -> list[str]:
    notices = [*listing.problems, *listing.skipped[:5]]
    if len(listing.skipped) > 5:
        notices.append(f"{len(listing.skipped) - 5} more unreadable item(s) were skipped.")
    return notices


def _dry_run_summary(digest: Digest) -> str:
    estimates = [notice for notice in digest.notices if notice.startswith("Judge estimate")]
    return "\n".join(
        [
            f"Dry run for {digest.date}: {digest.total_papers} papers, "
            f"{digest.scanned_papers} scanned, {digest.relevant_papers} would be in the digest; "
            "nothing written.",
            *estimates,
        ]
    )


def iter_entries(digest: Digest) -> Iterator[str]:
    """One line per selected paper, for the terminal."""
    for number, entry in enumerate(digest.entries, 1):
        yield f"{number:>2}. [{entry.score:.2f}] {entry.paper.id} {entry.paper.title}"
