"""The arXiv API (``https://export.arxiv.org/api/query``), for explicit ids or date ranges.

The API answers in Atom and knows nothing of announce types; a paper is taken as ``new`` when its
primary category is one the profile follows and as ``cross`` otherwise. Requests are spaced at
least 3 seconds apart, as arXiv asks, and paged ``page_size`` entries at a time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

import feedparser
import httpx

from papersift._http import Spacing
from papersift.errors import FeedError
from papersift.models import Announcement, ArxivId, Listing, Paper
from papersift.sources._feed import clean, read_feed
from papersift.sources._fetch import fetch_feed, parse_fetched
from papersift.sources.listing import merge_listings

logger = logging.getLogger(__name__)

EASTERN = ZoneInfo("America/New_York")


def parse_atom(
    data: bytes, source: str, categories: Iterable[str] = (), date: dt.date | None = None
) -> Listing:
    """Parse an arXiv API response into a listing.

    Args:
        data: the Atom bytes.
        source: the query URL or file name, for messages.
        categories: the categories followed; a paper whose primary category is among them is
            ``new``, any other ``cross``. Empty means every paper is ``new``.
        date: the announcement date; by default the latest ``published`` in US Eastern time.

    Raises:
        FeedError: the API answered with an error entry, or the bytes are not a feed.
        ParseError: the feed holds nothing readable.
    """
    feed = read_feed(data, source)
    _raise_api_error(feed.entries, source)
    followed = set(categories)
    listing = Listing(date=date, sources=[source])
    if feed.problem:
        listing.problems.append(f"Feed {source!r} is malformed or truncated: {feed.problem}.")
        logger.warning("Feed %r is malformed or truncated: %s", source, feed.problem)

    published: list[dt.date] = []
    for index, entry in enumerate(feed.entries):
        listing.items += 1
        try:
            paper = _paper(entry)
        except ValueError as exc:
            listing.skipped.append(f"{source}: entry {index + 1} skipped: {exc}")
            logger.warning("Feed %r, entry %d skipped: %s", source, index + 1, exc)
            continue
        if entry.get("published_parsed"):
            stamp = dt.datetime(*entry.published_parsed[:6], tzinfo=dt.UTC)
            published.append(stamp.astimezone(EASTERN).date())
        listing.papers.setdefault(paper.id, paper)
        is_new = not followed or paper.primary in followed
        category = paper.primary if is_new else _first_followed(paper, followed)
        listing.announcements.append(
            Announcement(
                paper_id=paper.id,
                date=date or dt.date.min,
                category=category or "",
                announce_type="new" if is_new else "cross",
                source=source,
                version=paper.version,
            )
        )

    if listing.date is None and published:
        listing.date = max(published)
        listing.announcements = [
            _dated(announcement, listing.date) for announcement in listing.announcements
        ]
    return listing


def _paper(entry: Any) -> Paper:
    arxiv_id = ArxivId.parse(entry.get("id", ""))
    title = clean(entry.get("title"))
    if not title:
        raise ValueError(f"{arxiv_id}: no title")
    primary = (entry.get("arxiv_primary_category") or {}).get("term")
    # The API also lists ACM and MSC class strings as category terms; keep arXiv's own only.
    terms = [tag["term"] for tag in entry.get("tags", []) if _is_arxiv_category(tag.get("term"))]
    if primary and primary in terms:
        terms.remove(primary)
    categories = tuple([primary, *terms] if primary else terms)
    abstract = clean(entry.get("summary"))
    if not abstract:
        logger.warning("API entry %s has no abstract; it is kept with an empty one", arxiv_id.id)
    return Paper(
        id=arxiv_id.id,
        version=arxiv_id.version,
        title=title,
        authors=tuple(clean(author.get("name")) for author in entry.get("authors", [])),
        abstract=abstract,
        categories=categories,
        comments=clean(entry.get("arxiv_comment")) or None,
        primary_category=primary,
    )


def _is_arxiv_category(term: str | None) -> bool:
    if not term or " " in term or "," in term:
        return False
    archive = term.split(".")[0]
    return archive.replace("-", "").isalpha() and archive.islower()


def _first_followed(paper: Paper, followed: set[str]) -> str | None:
    return next((c for c in paper.categories if c in followed), paper.primary)


def _dated(announcement: Announcement, date: dt.date) -> Announcement:
    return Announcement(
        paper_id=announcement.paper_id,
        date=date,
        category=announcement.category,
        announce_type=announcement.announce_type,
        source=announcement.source,
        version=announcement.version,
    )


def record_dois(data: bytes) -> dict[str, set[str]]:
    """The DOIs (lower-cased) each arXiv record in an API response carries, by paper id."""
    out: dict[str, set[str]] = {}
    for entry in feedparser.parse(data).entries:
        try:
            paper_id = ArxivId.parse(entry.get("id", "")).id
        except ValueError:
            continue
        out[paper_id] = {doi.lower() for doi in (entry.get("arxiv_doi") or "").split()}
    return out


def _raise_api_error(entries: list[Any], source: str) -> None:
    for entry in entries:
        if "api/errors" in entry.get("id", "") or clean(entry.get("title")) == "Error":
            raise FeedError(
                f"The arXiv API refused the query {source!r}: {clean(entry.get('summary'))}.",
                "Check the ids or dates asked for.",
                source=source,
            )


class ApiSource:
    """Pages through arXiv API queries, one request every ``delay`` seconds at most."""

    def __init__(
        self,
        client: httpx.Client,
        url: str,
        categories: list[str],
        delay: float = 3.0,
        page_size: int = 200,
        spacing: Spacing | None = None,
    ) -> None:
        self.client = client
        self.url = url
        self.categories = categories
        self.page_size = page_size
        self.spacing = spacing or Spacing(delay)

    def fetch_ids(self, ids: list[str], date: dt.date | None = None) -> Listing:
        """The papers with the given ids."""
        listings = []
        for start in range(0, len(ids), self.page_size):
            chunk = ids[start : start + self.page_size]
            params = {"id_list": ",".join(chunk), "max_results": str(len(chunk))}
            listings.append(self._fetch_page(params, date))
        return merge_listings(listings)

    def fetch_query(self, query: str, max_results: int = 10) -> Listing:
        """The first ``max_results`` papers answering a search query such as ``ti:galaxy``."""
        params = {"search_query": query, "start": "0", "max_results": str(max_results)}
        return self._fetch_page(params, None)

    def fetch_dois(self, dois: list[str], per_query: int = 20) -> dict[str, Paper]:
        """The papers whose arXiv record carries one of ``dois`` (its ``arxiv:doi``, a journal's
        DOI), by the DOI asked for, lower-cased; DOIs no record carries are absent.

        arXiv's search answers ``doi:`` queries although its manual does not list the prefix;
        up to ``per_query`` DOIs go in one query joined by ``OR``, and every paper returned is
        checked against the DOIs its record carries, so a loose match is never taken.
        """
        wanted = list(dict.fromkeys(doi.strip().replace('"', "").lower() for doi in dois if doi))
        found: dict[str, Paper] = {}
        for begin in range(0, len(wanted), per_query):
            chunk = wanted[begin : begin + per_query]
            for doi, paper in self._doi_page(chunk):
                found.setdefault(doi, paper)
        return found

    def _doi_page(self, dois: list[str]) -> list[tuple[str, Paper]]:
        query = " OR ".join(f'doi:"{doi}"' for doi in dois)
        params = {"search_query": query, "start": "0", "max_results": str(2 * len(dois))}
        self.spacing.wait()
        source = str(httpx.URL(self.url, params=params))
        logger.debug("arXiv API query: %s", source[:300])
        data = fetch_feed(self.client, self.url, params, hint="Check [sources] api_url.")
        listing = parse_fetched(lambda: parse_atom(data, source, self.categories, None))
        carried = record_dois(data)
        return [
            (doi, paper)
            for paper in listing.papers.values()
            for doi in sorted(carried.get(paper.id, set()) & set(dois))
        ]

    def fetch_submitted(self, start: dt.datetime, end: dt.datetime, date: dt.date) -> Listing:
        """Papers of the followed categories submitted between ``start`` and ``end`` (UTC)."""
        categories = " OR ".join(f"cat:{category}" for category in self.categories)
        window = f"submittedDate:[{start:%Y%m%d%H%M} TO {end:%Y%m%d%H%M}]"
        query = f"({categories}) AND {window}"
        listings: list[Listing] = []
        offset = 0
        while True:
            params = {
                "search_query": query,
                "start": str(offset),
                "max_results": str(self.page_size),
                "sortBy": "submittedDate",
                "sortOrder": "ascending",
            }
            page = self._fetch_page(params, date)
            listings.append(page)
            offset += self.page_size
            if page.items < self.page_size:
                break
        return merge_listings(listings)

    def _fetch_page(self, params: dict[str, str], date: dt.date | None) -> Listing:
        self.spacing.wait()
        source = str(httpx.URL(self.url, params=params))
        logger.debug("arXiv API query: %s", source[:300])
        data = fetch_feed(self.client, self.url, params, hint="Check [sources] api_url.")
        return parse_fetched(lambda: parse_atom(data, source, self.categories, date))
