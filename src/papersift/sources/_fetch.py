"""Fetching a feed over HTTP: one request through the shared client, its failures named."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

import httpx

from papersift.errors import FeedError, ParseError
from papersift.models import Listing
from papersift.sources._feed import check_feed

logger = logging.getLogger(__name__)


def fetch_feed(
    client: httpx.Client, url: str, params: Mapping[str, str] | None = None, hint: str = ""
) -> bytes:
    """The bytes of the feed at ``url``, checked to be a feed.

    The client's transport has already retried time-outs, 429 and 5xx answers.

    Raises:
        FeedError: the source cannot be reached, answers with an HTTP error, or serves something
            that is not a feed (an error page with status 200, a redirect to a page).
    """
    logger.info("Fetching %s", url)
    try:
        response = client.get(url, params=params)
    except httpx.HTTPError as exc:
        raise FeedError(
            f"Source {url!r} could not be reached: {exc or type(exc).__name__}.",
            "Check the network, or run offline with --from-file.",
            source=url,
        ) from None
    final = str(response.url) if response.history else None
    if response.status_code >= 400:
        where = f"Source {url!r}" + (f" (redirected to {final!r})" if final else "")
        status = f"{response.status_code} {response.reason_phrase}".strip()
        raise FeedError(
            f"{where} answered HTTP {status}.",
            hint or "Try again later; arXiv may be overloaded.",
            source=url,
        )
    check_feed(response.content, url, final)
    return response.content


def parse_fetched(parse: Callable[[], Listing]) -> Listing:
    """Run ``parse`` on fetched bytes; a feed broken beyond reading is a failure outside (exit 1).

    The same fault in a local file is bad input, so :class:`ParseError` keeps exit status 2 there.
    """
    try:
        return parse()
    except ParseError as exc:
        raise FeedError(exc.message, exc.hint, source=exc.source) from None
