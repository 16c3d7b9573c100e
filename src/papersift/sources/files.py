"""Local files in either of arXiv's shapes, so papersift works offline and in tests.

``--from-file`` takes a file, a folder (every ``.xml``, ``.rss`` and ``.atom`` file in it) or a glob
pattern. Each file is recognised by its root element: ``<rss>`` is an RSS feed, ``<feed>`` an API
response. A ``YYYY-MM-DD.jsonl`` file named on its own (or by a glob) is a labelled day, one paper
per JSON line, such as the judged days the replay server answers from.
"""

from __future__ import annotations

import datetime as dt
import glob
import logging
from pathlib import Path

from papersift.errors import FeedError, InputError, ParseError
from papersift.models import Listing
from papersift.sources._feed import feed_root
from papersift.sources.api import parse_atom
from papersift.sources.judged import load_labelled_day
from papersift.sources.listing import merge_listings
from papersift.sources.rss import parse_rss

logger = logging.getLogger(__name__)

_SUFFIXES = {".xml", ".rss", ".atom"}


def listing_paths(spec: str | Path) -> list[Path]:
    """The files ``spec`` names, sorted.

    Raises:
        InputError: nothing matches ``spec``.
    """
    path = Path(spec)
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.suffix in _SUFFIXES and p.is_file())
    elif path.is_file():
        found = [path]
    else:
        found = sorted(Path(p) for p in glob.glob(str(spec)) if Path(p).is_file())
    if not found:
        raise InputError(
            f"No feed file found at {str(spec)!r}.",
            "Give a feed file, a folder of .xml files, or a quoted glob such as 'feeds/*.xml'.",
        )
    return found


def load_listing_files(
    spec: str | Path, categories: list[str] | None = None, date: dt.date | None = None
) -> Listing:
    """Read every file ``spec`` names and merge them into one listing."""
    listings = [_load_file(path, categories or [], date) for path in listing_paths(spec)]
    return merge_listings(listings)


def _load_file(path: Path, categories: list[str], date: dt.date | None) -> Listing:
    if path.suffix == ".jsonl":
        return _check_date(load_labelled_day(path).listing, path, date)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"Feed file {str(path)!r} cannot be read: {exc}.") from None
    logger.debug("Reading %s (%d bytes)", path, len(data))
    try:
        if feed_root(data) == "feed":
            return parse_atom(data, str(path), categories, date)
        listing = parse_rss(data, str(path))
    except ParseError:
        raise
    except FeedError as exc:
        # Not a feed at all: in a file the user named, that is bad input.
        raise InputError(exc.message, "Give an arXiv RSS or API (Atom) file.") from None
    return _check_date(listing, path, date)


def _check_date(listing: Listing, path: Path, date: dt.date | None) -> Listing:
    # An RSS feed carries its own date; an API file takes the one asked for, so without this
    # check a folder of one day's files would be labelled with any --date.
    if date is not None and listing.date not in (None, date) and listing.papers:
        raise FeedError(
            f"Source {str(path)!r} holds the listing of {listing.date}, but {date} was asked for.",
            "Pass the matching --date, or leave it out to use the feed's own date.",
            source=str(path),
        )
    return listing
