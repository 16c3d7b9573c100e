"""The announcement calendar on fixed dates, a holiday, daylight-saving changes, and properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papersift import calendar
from papersift.calendar import (
    EASTERN,
    announcement_day,
    latest_announcement_date,
    listing_days,
    submission_window,
)

D = dt.date.fromisoformat


def eastern(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=EASTERN)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("submitted", "listed"),
    [
        ("2026-05-25 13:59", "2026-05-26"),  # Monday before the cut-off: Tuesday's listing
        ("2026-05-25 14:00", "2026-05-27"),  # Monday at the cut-off: the next day's batch
        ("2026-05-28 15:00", "2026-06-01"),  # Thursday after the cut-off: Monday
        ("2026-05-29 13:00", "2026-06-01"),  # Friday before the cut-off: Monday
        ("2026-05-29 14:30", "2026-06-02"),  # Friday after the cut-off: Tuesday
        ("2026-05-30 09:00", "2026-06-02"),  # Saturday: Tuesday
        ("2026-05-31 23:00", "2026-06-02"),  # Sunday night: Tuesday
    ],
)
def test_submission_maps_to_listing_date(submitted: str, listed: str) -> None:
    assert announcement_day(eastern(submitted)) == D(listed)


def test_thanksgiving_listing_moves_to_friday() -> None:
    # Thursday 2026-11-26 has no listing: Tuesday's batch waits for Friday with Wednesday's.
    assert D("2026-11-26") in calendar.HOLIDAYS
    assert announcement_day(eastern("2026-11-24 15:00")) == D("2026-11-27")
    assert announcement_day(eastern("2026-11-25 10:00")) == D("2026-11-27")
    assert announcement_day(eastern("2026-11-24 10:00")) == D("2026-11-25")
    start, end = submission_window(D("2026-11-27"))
    assert start == eastern("2026-11-24 14:00").astimezone(dt.UTC)
    assert end == eastern("2026-11-26 14:00").astimezone(dt.UTC)
    with pytest.raises(ValueError, match="no arXiv listing"):
        submission_window(D("2026-11-26"))
    assert list(listing_days(D("2026-11-25"), D("2026-11-30"))) == [
        D("2026-11-25"),
        D("2026-11-27"),
        D("2026-11-30"),
    ]


def test_cut_off_follows_eastern_time_across_daylight_saving() -> None:
    # 18:30 UTC is 13:30 EST before 2026-03-08 and 14:30 EDT after it.
    assert announcement_day(utc("2026-03-06 18:30")) == D("2026-03-09")
    assert announcement_day(utc("2026-03-09 18:30")) == D("2026-03-11")
    assert announcement_day(utc("2026-03-09 17:59")) == D("2026-03-10")
    # The window of Monday 2026-03-09 spans the change: Thursday 19:00 UTC to Friday 19:00 UTC
    # (both EST); that of Tuesday 2026-03-10 ends at 18:00 UTC (EDT).
    assert submission_window(D("2026-03-09")) == (utc("2026-03-05 19:00"), utc("2026-03-06 19:00"))
    assert submission_window(D("2026-03-10"))[1] == utc("2026-03-09 18:00")
    # And back in November: 2026-11-02 is the first Monday on EST.
    assert submission_window(D("2026-11-02"))[1] == utc("2026-10-30 18:00")
    assert submission_window(D("2026-11-03"))[1] == utc("2026-11-02 19:00")


def test_latest_announcement_date() -> None:
    assert latest_announcement_date(eastern("2026-05-26 19:59")) == D("2026-05-26")
    assert latest_announcement_date(eastern("2026-05-26 20:00")) == D("2026-05-27")
    assert latest_announcement_date(eastern("2026-05-30 12:00")) == D("2026-05-29")
    assert latest_announcement_date(eastern("2026-05-31 20:01")) == D("2026-06-01")
    # No listing on Thanksgiving: on Thursday the newest is still Wednesday's.
    assert latest_announcement_date(eastern("2026-11-26 12:00")) == D("2026-11-25")
    assert calendar.latest_announcement_date(eastern("2026-05-26 20:00")) == D("2026-05-27")
    assert calendar.is_weekend(D("2026-05-30")) and not calendar.is_weekend(D("2026-05-29"))


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        announcement_day(dt.datetime(2026, 5, 26, 12))


moments = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 12, 1), timezones=st.just(dt.UTC)
)


@settings(max_examples=300, deadline=None)
@given(moments)
def test_every_submission_falls_in_its_listing_window(moment: dt.datetime) -> None:
    day = announcement_day(moment)
    assert calendar.is_listing_day(day)
    start, end = submission_window(day)
    assert start <= moment < end
    assert day > moment.astimezone(EASTERN).date()


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=dt.date(2025, 1, 2), max_value=dt.date(2027, 12, 1)))
def test_windows_tile_time(day: dt.date) -> None:
    if not calendar.is_listing_day(day):
        return
    start, end = submission_window(day)
    following = calendar.next_listing_day(day)
    assert submission_window(following)[0] == end
    assert announcement_day(start) == day
    assert announcement_day(end - dt.timedelta(seconds=1)) == day
    assert announcement_day(end) == following
