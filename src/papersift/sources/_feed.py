"""What the RSS and Atom parsers share: reading bytes with feedparser and cleaning its fields."""

from __future__ import annotations

import re
from typing import Any

import feedparser

from papersift.errors import FeedError, ParseError

_SPACE = re.compile(r"\s+")
_HTML = re.compile(rb"^\s*(?:<!doctype html|<html)", re.IGNORECASE)


def read_feed(data: bytes, source: str) -> Any:
    """Parse ``data`` with feedparser, refusing what is not a feed at all.

    Raises:
        FeedError: the bytes are an HTML page or plain text (an error or throttling page served
            with status 200, or a redirect to a page that is not a feed).
        ParseError: the bytes start like a feed but hold nothing readable.
    """
    if not data.strip():
        raise FeedError(
            f"Source {source!r} returned an empty body instead of a feed.", source=source
        )
    if _HTML.match(data[:512]):
        raise FeedError(
            f"Source {source!r} returned an HTML page, not a feed: {_snippet(data)!r}.",
            "arXiv may be throttling or down; try again later.",
            source=source,
        )
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.version and not parsed.entries:
        problem = parsed.get("bozo_exception") or "no RSS or Atom root element"
        if data.lstrip().startswith(b"<"):
            raise ParseError(f"Source {source!r} is not a readable feed: {problem}.", source=source)
        raise FeedError(
            f"Source {source!r} returned text that is not a feed: {_snippet(data)!r}.",
            "arXiv may be throttling or down; try again later.",
            source=source,
        )
    return parsed


def feed_problem(parsed: Any) -> str | None:
    """A description of what was wrong with a feed that parsed only in part, if anything was."""
    if not parsed.get("bozo"):
        return None
    return str(parsed.get("bozo_exception") or "malformed XML")


def clean(text: str | None) -> str:
    """Collapse runs of whitespace, as arXiv's own RSS does."""
    return _SPACE.sub(" ", text or "").strip()


def _snippet(data: bytes) -> str:
    text = data[:400].decode("utf-8", "replace")
    text = re.sub(r"<[^>]+>", " ", text)
    return clean(text)[:120]
