"""Announcement days as the clock sees them; the calendar itself is :mod:`papersift.calendar`."""

from __future__ import annotations

from papersift.calendar import ANNOUNCE_HOUR, EASTERN, is_weekend, latest_announcement_date

__all__ = ["ANNOUNCE_HOUR", "EASTERN", "is_weekend", "latest_announcement_date"]
