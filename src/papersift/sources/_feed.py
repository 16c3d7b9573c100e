"""What the RSS and Atom parsers share: reading bytes with feedparser and cleaning its fields.

A feed that parses only in part (malformed or truncated XML) keeps the items that were read
whole; the item cut off by a truncation is dropped, because its abstract or categories may be
missing. The fault is recorded in ``Listing.problems`` so the run can say so and fail after
writing the digest of what was read (see the README's "When a source fails").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import feedparser

from papersift.errors import FeedError, ParseError

_SPACE = re.compile(r"\s+")
_PROLOGUE = re.compile(
    rb"^(?:\xef\xbb\xbf)?(?:\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*<(?P<root>[A-Za-z_][\w:.-]*)",
    re.DOTALL | re.IGNORECASE,
)
_FEED_ROOTS = {"rss": b"</item>", "rdf": b"</item>", "feed": b"</entry>"}


@dataclass(slots=True)
class ReadFeed:
    """A parsed feed: feedparser's result, the entries read whole, and what was wrong."""

    parsed: Any
    entries: list[Any]
    problem: str | None = None
    """Why the feed parsed only in part, naming the fault; ``None`` for a well-formed feed."""


def feed_root(data: bytes) -> str | None:
    """The local name of the document's root element, lower-cased, or ``None`` for non-XML."""
    match = _PROLOGUE.match(data[:8192])
    if match is None:
        return None
    return match.group("root").decode("ascii", "replace").rsplit(":", 1)[-1].lower()


def check_feed(data: bytes, source: str, redirected_to: str | None = None) -> str:
    """The root element of ``data`` when it is an RSS or Atom feed; otherwise a ``FeedError``.

    An HTML page, plain text or some other XML served instead of a feed (an error or throttling
    page with status 200, or a redirect to a page that is not a feed) is a failure naming the
    source, and the final address when the request was redirected.
    """
    where = f"Source {source!r}"
    if redirected_to:
        where += f" (redirected to {redirected_to!r})"
    if not data.strip():
        raise FeedError(f"{where} returned an empty body instead of a feed.", source=source)
    root = feed_root(data)
    if root in _FEED_ROOTS:
        return root
    if root == "html":
        what = f"an HTML page, not a feed: {_snippet(data)!r}"
    elif root is None:
        what = f"text that is not a feed: {_snippet(data)!r}"
    else:
        what = f"XML whose root is <{root}>, not an RSS or Atom feed"
    hint = (
        "The address no longer leads to a feed; check [sources] rss_url and api_url."
        if redirected_to
        else "arXiv may be throttling or down; try again later."
    )
    raise FeedError(f"{where} returned {what}.", hint, source=source)


def read_feed(data: bytes, source: str) -> ReadFeed:
    """Parse ``data`` with feedparser, refusing what is not a feed at all.

    Raises:
        FeedError: the bytes are not a feed (see :func:`check_feed`).
        ParseError: the bytes start like a feed but hold no readable item although they are
            malformed.
    """
    root = check_feed(data, source)
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    entries = list(parsed.entries)
    problem = feed_problem(parsed)
    if problem is None:
        return ReadFeed(parsed, entries)

    closed = data.count(_FEED_ROOTS[root])
    if len(entries) > closed:
        cut = len(entries) - closed
        entries = entries[:closed]
        problem += f"; {cut} item(s) cut off and dropped, {closed} read whole"
    if not entries:
        raise ParseError(
            f"Source {source!r} is not a readable feed: {problem}.",
            "The feed is malformed or was cut off; fetch it again, or check the file.",
            source=source,
        )
    return ReadFeed(parsed, entries, problem)


def feed_problem(parsed: Any) -> str | None:
    """A description of what was wrong with a feed that parsed only in part, if anything was."""
    if not parsed.get("bozo"):
        return None
    exception = parsed.get("bozo_exception")
    if isinstance(exception, feedparser.CharacterEncodingOverride):
        return None
    text = str(exception or "malformed XML")
    where = re.match(r"^<unknown>:(\d+):(\d+): (.*)$", text)
    if where:
        return f"malformed XML at line {where[1]}, column {where[2]}: {where[3]}"
    return text


def clean(text: str | None) -> str:
    """Collapse runs of whitespace, as arXiv's own RSS does."""
    return _SPACE.sub(" ", text or "").strip()


def _snippet(data: bytes) -> str:
    text = data[:400].decode("utf-8", "replace")
    text = re.sub(r"<[^>]+>", " ", text)
    return clean(text)[:120]
