"""Filling in missed days from the arXiv API.

For each listing date without a digest, the API is asked for the papers submitted in that day's
window (see :mod:`papersift.calendar`), and the day then runs like any other, its digest marked
as backfilled. One client and one :class:`~papersift._http.Spacing` serve every day, so requests
stay at least ``[sources] api_delay`` (3 s, as arXiv asks) apart across the whole backfill.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from papersift import calendar
from papersift._http import Spacing, make_client
from papersift.config import Settings
from papersift.pipeline import Reporter, RunOptions, RunResult, fetch_api_day, run_day
from papersift.sources import ApiSource
from papersift.store.runs import open_store

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class BackfillResult:
    """The days a backfill found already done and those it ran."""

    skipped: list[dt.date] = field(default_factory=list)
    """Listing dates that already had a digest."""
    results: dict[dt.date, RunResult] = field(default_factory=dict)


def missing_days(
    settings: Settings, start: dt.date, end: dt.date
) -> tuple[list[dt.date], list[dt.date]]:
    """The listing dates from ``start`` to ``end`` without a digest, and those with one."""
    with open_store(settings.store) as store:
        done = store.digest_dates(settings.profile.name, start, end)
    days = list(calendar.listing_days(start, end, settings.sources.no_listing_days))
    return [day for day in days if day not in done], [day for day in days if day in done]


def backfill(
    settings: Settings,
    start: dt.date,
    end: dt.date,
    options: RunOptions | None = None,
    reporter: Reporter | None = None,
) -> BackfillResult:
    """Run every listing date from ``start`` to ``end`` that has no digest yet, from the API."""
    base = options or RunOptions()
    todo, done = missing_days(settings, start, end)
    result = BackfillResult(skipped=done)
    if not todo:
        return result
    logger.info("Backfilling %d day(s): %s", len(todo), ", ".join(map(str, todo)))
    sources = settings.sources
    with make_client(sources.timeout, sources.retries) as client:
        api = ApiSource(
            client, sources.api_url, sources.categories, spacing=Spacing(sources.api_delay)
        )
        for day in todo:
            listing = fetch_api_day(api, day, sources.no_listing_days)
            day_options = RunOptions(
                date=day,
                out_dir=base.out_dir,
                top=base.top,
                dry_run=base.dry_run,
                send_empty=base.send_empty,
                backfilled=True,
                listing=listing,
            )
            result.results[day] = run_day(settings, day_options, reporter)
    return result
