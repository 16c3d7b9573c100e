"""Announcement days as the clock sees them.

arXiv announces new papers Sunday to Thursday at 20:00 US Eastern time; the RSS feed then serves
them under the next day's date (Monday to Friday). Holidays are not known here, so the expected
day may be one on which arXiv announced nothing; the callers treat that case separately.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")
ANNOUNCE_HOUR = 20


def latest_announcement_date(now: dt.datetime) -> dt.date:
    """The date of the newest listing arXiv can have published at ``now`` (an aware datetime)."""
    local = now.astimezone(EASTERN)
    day = local.date() + dt.timedelta(days=1 if local.hour >= ANNOUNCE_HOUR else 0)
    while day.weekday() >= 5 or _not_yet(day, local):
        day -= dt.timedelta(days=1)
    return day


def _not_yet(day: dt.date, local: dt.datetime) -> bool:
    announced_at = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(ANNOUNCE_HOUR), EASTERN)
    return local < announced_at


def is_weekend(day: dt.date) -> bool:
    """Saturday or Sunday, when arXiv's feeds hold no announcements."""
    return day.weekday() >= 5
