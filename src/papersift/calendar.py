"""arXiv's announcement calendar: which listing date a submission appears under.

arXiv collects submissions until a cut-off at 14:00 US Eastern time on each weekday. What arrived
before the cut-off is announced that evening at 20:00 Eastern, and the feeds serve it under the
next weekday's date; the Friday batch is announced on Sunday evening and listed on Monday. So:

* submitted Monday 14:00 to Tuesday 13:59 Eastern, announced Tuesday 20:00, listed Wednesday;
* submitted Thursday 14:00 to Friday 13:59, announced Sunday 20:00, listed Monday;
* submitted Friday 14:00 to Monday 13:59, announced Monday 20:00, listed Tuesday.

All of this is in Eastern *local* time, so the cut-off moves between 18:00 and 19:00 UTC when
daylight saving time starts or ends. On a holiday arXiv publishes no listing; the papers that
would have been listed that day are listed on the next day that has a listing, together with that
day's own. The listing dates without a listing are in :data:`HOLIDAYS`.

A listing date is always a weekday: Monday to Friday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")
ANNOUNCE_HOUR = 20
"""Announcements go out at 20:00 US Eastern, Sunday to Thursday."""
CUTOFF = dt.time(14)
"""Submissions received before 14:00 US Eastern on a weekday are announced that evening."""

# TODO(#4): the table follows arXiv's usual closures (New Year, Thanksgiving, Christmas) and is
# not checked against the schedule arXiv publishes each year; a day missing here, and not added
# with ``[sources] holidays``, is backfilled as an empty listing and expected by the stale check.
HOLIDAYS: frozenset[dt.date] = frozenset(
    dt.date.fromisoformat(day)
    for day in (
        "2025-01-01",
        "2025-11-27",
        "2025-12-25",
        "2026-01-01",
        "2026-11-26",
        "2026-12-25",
        "2027-01-01",
    )
)
"""Listing dates (weekdays) on which arXiv publishes no listing."""


def is_weekend(day: dt.date) -> bool:
    """Saturday or Sunday, when arXiv's feeds hold no announcements."""
    return day.weekday() >= 5


def is_listing_day(day: dt.date, holidays: frozenset[dt.date] = HOLIDAYS) -> bool:
    """Whether arXiv publishes a listing under ``day``'s date."""
    return not is_weekend(day) and day not in holidays


def next_listing_day(day: dt.date, holidays: frozenset[dt.date] = HOLIDAYS) -> dt.date:
    """The first listing date strictly after ``day``."""
    day += dt.timedelta(days=1)
    while not is_listing_day(day, holidays):
        day += dt.timedelta(days=1)
    return day


def previous_listing_day(day: dt.date, holidays: frozenset[dt.date] = HOLIDAYS) -> dt.date:
    """The last listing date strictly before ``day``."""
    day -= dt.timedelta(days=1)
    while not is_listing_day(day, holidays):
        day -= dt.timedelta(days=1)
    return day


def _next_weekday(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while is_weekend(day):
        day += dt.timedelta(days=1)
    return day


def _previous_weekday(day: dt.date) -> dt.date:
    day -= dt.timedelta(days=1)
    while is_weekend(day):
        day -= dt.timedelta(days=1)
    return day


def announcement_day(submitted: dt.datetime, holidays: frozenset[dt.date] = HOLIDAYS) -> dt.date:
    """The listing date under which a paper submitted at ``submitted`` (aware) appears."""
    if submitted.tzinfo is None:
        raise ValueError(f"submission time {submitted.isoformat()} has no time zone")
    local = submitted.astimezone(EASTERN)
    cutoff_day = local.date()
    if is_weekend(cutoff_day) or local.time() >= CUTOFF:
        cutoff_day = _next_weekday(cutoff_day)
    listing = _next_weekday(cutoff_day)
    while listing in holidays:
        listing = _next_weekday(listing)
    return listing


def cutoff(listing: dt.date) -> dt.datetime:
    """The end (exclusive, in UTC) of the submissions a weekday's listing would hold."""
    local = dt.datetime.combine(_previous_weekday(listing), CUTOFF, EASTERN)
    return local.astimezone(dt.UTC)


def submission_window(
    listing: dt.date, holidays: frozenset[dt.date] = HOLIDAYS
) -> tuple[dt.datetime, dt.datetime]:
    """The UTC times ``[start, end)`` of the submissions listed under ``listing``.

    Raises:
        ValueError: ``listing`` is a weekend or holiday, which has no listing.
    """
    if not is_listing_day(listing, holidays):
        raise ValueError(f"{listing} has no arXiv listing (weekend or holiday)")
    return cutoff(previous_listing_day(listing, holidays)), cutoff(listing)


def announced_at(listing: dt.date) -> dt.datetime:
    """When the listing of ``listing`` is published: 20:00 Eastern the evening before (aware)."""
    return dt.datetime.combine(listing - dt.timedelta(days=1), dt.time(ANNOUNCE_HOUR), EASTERN)


def latest_announcement_date(now: dt.datetime, holidays: frozenset[dt.date] = HOLIDAYS) -> dt.date:
    """The date of the newest listing arXiv can have published at ``now`` (an aware datetime)."""
    local = now.astimezone(EASTERN)
    day = local.date() + dt.timedelta(days=1 if local.hour >= ANNOUNCE_HOUR else 0)
    while not is_listing_day(day, holidays) or local < announced_at(day):
        day -= dt.timedelta(days=1)
    return day


def listing_days(
    start: dt.date, end: dt.date, holidays: frozenset[dt.date] = HOLIDAYS
) -> Iterator[dt.date]:
    """The listing dates from ``start`` to ``end``, both included."""
    day = start
    while day <= end:
        if is_listing_day(day, holidays):
            yield day
        day += dt.timedelta(days=1)
