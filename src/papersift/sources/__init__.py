"""Where listings come from: arXiv's RSS feeds, its API, and local files in either shape."""

from __future__ import annotations

from papersift.sources.api import ApiSource, parse_atom
from papersift.sources.files import load_listing_files
from papersift.sources.listing import merge_listings
from papersift.sources.rss import RssSource, parse_rss

__all__ = [
    "ApiSource",
    "RssSource",
    "load_listing_files",
    "merge_listings",
    "parse_atom",
    "parse_rss",
]
