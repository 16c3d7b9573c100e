"""arXiv's per-category RSS feeds (``https://rss.arxiv.org/rss/cs.LG`` or joined ``cs.LG+cs.AI``).

Each item's description starts ``arXiv:2501.01234v2 Announce Type: new`` before the abstract; the
announce type is also in ``arxiv:announce_type``. The channel's ``pubDate`` is the announcement
day in US Eastern time, which is the date of the listing. A day without announcements (a weekend
or a holiday) is served as a channel with no items.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import re
from typing import Any

import httpx

from papersift._names import split_authors
from papersift.models import ANNOUNCE_TYPES, Announcement, AnnounceType, ArxivId, Listing, Paper
from papersift.sources._fastrss import read_wellformed_rss
from papersift.sources._feed import clean, read_feed
from papersift.sources._fetch import fetch_feed, parse_fetched

logger = logging.getLogger(__name__)

_PREFIX = re.compile(
    r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?",
    re.IGNORECASE,
)


def parse_rss(data: bytes, source: str) -> Listing:
    """Parse the bytes of an arXiv RSS feed into a listing.

    Items that cannot be read are skipped with a warning naming them; the rest are kept.

    Raises:
        FeedError: the bytes are not a feed (see :func:`read_feed`).
        ParseError: the feed holds nothing readable.
    """
    fast = read_wellformed_rss(data)
    if fast is not None:
        channel, entries = fast
    else:
        feed = read_feed(data, source)
        channel, entries = feed.parsed.feed, feed.entries
    listing = Listing(date=_channel_date(channel), sources=[source])
    if fast is None and feed.problem:
        listing.problems.append(f"Feed {source!r} is malformed or truncated: {feed.problem}.")
        logger.warning("Feed %r is malformed or truncated: %s", source, feed.problem)
    feed_category = _feed_category(channel, source)

    for index, entry in enumerate(entries):
        listing.items += 1
        try:
            paper, announce_type = _paper(entry)
        except ValueError as exc:
            listing.skipped.append(f"{source}: item {index + 1} skipped: {exc}")
            logger.warning("Feed %r, item %d skipped: %s", source, index + 1, exc)
            continue
        listing.papers.setdefault(paper.id, paper)
        listing.announcements.append(
            Announcement(
                paper_id=paper.id,
                date=listing.date or dt.date.min,
                category=_announced_in(paper, feed_category),
                announce_type=announce_type,
                source=source,
                version=paper.version,
            )
        )
    return listing


def _paper(entry: Any) -> tuple[Paper, AnnounceType]:
    description = entry.get("summary") or entry.get("description") or ""
    prefix = _PREFIX.match(description)
    raw_id = (prefix.group("id") if prefix else None) or entry.get("id") or entry.get("link")
    if not raw_id:
        raise ValueError("no arXiv id in guid, link or description")
    arxiv_id = ArxivId.parse(raw_id)

    raw_type = entry.get("arxiv_announce_type") or (prefix.group("type") if prefix else "new")
    announce_type = raw_type.strip().lower()
    if announce_type not in ANNOUNCE_TYPES:
        raise ValueError(f"{arxiv_id}: unknown announce type {raw_type!r}")

    title = clean(entry.get("title"))
    if not title:
        raise ValueError(f"{arxiv_id}: no title")
    abstract = clean(description[prefix.end() :] if prefix else description)
    if not abstract:
        logger.warning("Feed item %s has no abstract; it is kept with an empty one", arxiv_id.id)
    categories = tuple(tag["term"] for tag in entry.get("tags", []) if tag.get("term"))
    paper = Paper(
        id=arxiv_id.id,
        version=arxiv_id.version,
        title=title,
        authors=split_authors(entry.get("author", "")),
        abstract=abstract,
        categories=categories,
    )
    return paper, announce_type  # type: ignore[return-value]


def _channel_date(channel: Any) -> dt.date | None:
    raw = channel.get("published") or channel.get("updated")
    if not raw:
        return None
    try:
        return email.utils.parsedate_to_datetime(raw).date()
    except (TypeError, ValueError):
        return None


def _feed_category(channel: Any, source: str) -> list[str]:
    title = channel.get("title", "")
    match = re.match(r"^(.+?) updates on arXiv", title)
    names = match.group(1) if match else source.rsplit("/", 1)[-1]
    return [name.strip() for name in re.split(r"[+,]", names) if name.strip()]


def _announced_in(paper: Paper, feed_categories: list[str]) -> str:
    for category in paper.categories:
        if category in feed_categories:
            return category
    return feed_categories[0] if feed_categories else (paper.primary or "")


class RssSource:
    """Fetches the day's RSS feed for the configured categories."""

    def __init__(self, client: httpx.Client, categories: list[str], base_url: str, joined: bool):
        self.client = client
        self.categories = categories
        self.base_url = base_url.rstrip("/") + "/"
        self.joined = joined

    def feed_urls(self) -> list[str]:
        """The feeds to fetch: one joined feed, or one per category."""
        if self.joined:
            return [self.base_url + "+".join(self.categories)]
        return [self.base_url + category for category in self.categories]

    def fetch_listings(self) -> list[Listing]:
        """Fetch and parse every feed.

        Raises:
            FeedError: a feed answered with an HTTP error or with something that is not a feed.
        """
        return [self.fetch_listing(url) for url in self.feed_urls()]

    def fetch_listing(self, url: str) -> Listing:
        """Fetch and parse the feed at ``url`` (one of :meth:`feed_urls`)."""
        data = self.fetch_feed(url)
        return parse_fetched(lambda: parse_rss(data, url))

    def fetch_feed(self, url: str) -> bytes:
        """The bytes of the feed at ``url``."""
        return fetch_feed(
            self.client,
            url,
            hint="Check the category names in [sources] categories and [sources] rss_url.",
        )
