"""What the pipeline asks of the store around one run: open it, record the run, skip papers
already shown."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from types import TracebackType

from papersift.config import JudgeSettings, Settings, StoreSettings
from papersift.errors import PapersiftError
from papersift.filters import FilterOutcome
from papersift.models import Digest, Usage
from papersift.store import default_path
from papersift.store.ledger import JudgmentLedger
from papersift.store.store import RunCounts, Store

logger = logging.getLogger(__name__)

SHOWN_BEFORE = "shown on an earlier day"
"""The reason recorded for a paper dropped because an earlier digest showed it."""


def store_path(settings: StoreSettings) -> str:
    """The configured database path, or the default one, as text."""
    return str(settings.path or default_path())


def open_store(settings: StoreSettings, *, readonly: bool = False) -> Store:
    """Open the configured database (see :class:`papersift.config.StoreSettings`)."""
    return Store.open(settings.path or default_path(), readonly=readonly)


def config_hash(settings: Settings) -> str:
    """A short hash of the settings that shape a digest, to tell runs of different configs apart.

    The judge's key and the file's own path are left out.
    """
    text = settings.model_dump_json(exclude={"judge": {"api_key"}, "store": {"path"}})
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def drop_shown(
    store: Store, outcome: FilterOutcome, profile: str, date: dt.date, replacements: bool
) -> int:
    """Drop from ``outcome.kept`` the papers an earlier digest of ``profile`` showed.

    A paper comes back as a cross-listing or a new version; with ``replacements`` a newer version
    than the one shown is kept. Returns how many were dropped.
    """
    shown = store.shown_before(profile, date, [paper.id for paper in outcome.kept])
    kept = []
    for paper in outcome.kept:
        if paper.id in shown and not (replacements and _newer(paper.version, shown[paper.id])):
            outcome.dropped[paper.id] = SHOWN_BEFORE
            continue
        kept.append(paper)
    dropped = len(outcome.kept) - len(kept)
    outcome.kept = kept
    if dropped:
        logger.info("Left out %d paper(s) already shown on an earlier day", dropped)
    return dropped


def _newer(version: int | None, shown: int | None) -> bool:
    return (version or 0) > (shown or 0)


def digest_usage(ledger: JudgmentLedger, spent: list[Usage], judge: JudgeSettings) -> list[Usage]:
    """The usage a digest reports: the judge's line from the judgments it rests on.

    See :mod:`papersift.store.ledger`; the ranker's lines are kept as they are.
    """
    models = {judgment.model for judgment in ledger.used.values()}
    if not models:
        # No judgment behind the digest (the judge is off): nothing to price, and the price
        # table is an optional package.
        return ledger.usage(spent, {})
    from papersift.judge.pricing import Pricing

    price = Pricing.from_settings(judge).cost(0, 1_000_000)
    rate = None if price is None else price.completion / 1_000_000
    return ledger.usage(spent, {model: rate if model == judge.model else None for model in models})


class RunRecord:
    """Records one run in the store: started on entry, finished (or failed) on exit."""

    def __init__(
        self, store: Store, settings: Settings, date: dt.date | None, backfilled: bool
    ) -> None:
        self.store = store
        self.counts = RunCounts(date=date)
        self._before = store.saved_embeddings
        self.run_id = store.start_run(
            date, settings.profile.name, config_hash(settings), backfilled
        )
        self.status = "ok"

    def __enter__(self) -> RunRecord:
        return self

    def note_listing(self, date: dt.date | None, papers: int) -> None:
        """Keep the listing's date and size as soon as they are known, so a run that fails or is
        killed later still shows which day it was for (and, once failed, how many papers)."""
        self.counts.date = date
        self.counts.papers = papers
        if date is None:
            return
        with self.store.transaction("record the run's date"):
            self.store.connection.execute(
                "UPDATE runs SET date = ? WHERE run_id = ?", (date.isoformat(), self.run_id)
            )

    def record_digest(self, digest: Digest, spent: list[Usage] | None = None) -> None:
        """Keep the digest's counts and what this run ``spent`` (by default the digest's usage),
        and save which papers the digest shows."""
        spent = digest.usage if spent is None else spent
        self.counts.date = digest.date
        self.counts.papers = digest.total_papers
        self.counts.scanned = digest.scanned_papers
        self.counts.selected = digest.relevant_papers
        self.counts.prompt_tokens = sum(usage.prompt_tokens for usage in spent)
        self.counts.completion_tokens = sum(usage.completion_tokens for usage in spent)
        costs = [usage.cost for usage in spent]
        self.counts.cost = None if None in costs else sum(c for c in costs if c is not None)
        self.store.save_digest(digest, self.run_id)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is not None:
            self.status = "failed"
            self.counts.message = exc.message if isinstance(exc, PapersiftError) else repr(exc)
        try:
            self.counts.embedded = self.store.saved_embeddings - self._before
            self.store.finish_run(self.run_id, self.status, self.counts)
        except PapersiftError as error:
            if exc is None:
                raise
            logger.warning("The run's end could not be recorded: %s", error.message)
