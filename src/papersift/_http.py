"""The one HTTP client set-up every source and delivery uses.

Retries live in the transport, so no caller writes a loop of its own: a request that times out or
is answered with 429 or a 5xx status is sent again after an exponential back-off with jitter, or
after the delay the server asked for in ``Retry-After`` when that is longer.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable

import httpx

from papersift import __version__

logger = logging.getLogger(__name__)

USER_AGENT = f"papersift/{__version__} (+https://github.com/papersift/papersift)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 120.0
"""A server asking for a longer pause than this gets it capped; a daily job should not hang."""


class RetryTransport(httpx.BaseTransport):
    """Sends a request again on time-outs, 429 and 5xx, honouring ``Retry-After``."""

    def __init__(
        self,
        retries: int = 3,
        backoff: float = 1.0,
        *,
        wrapped: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.retries = retries
        self.backoff = backoff
        self._wrapped = wrapped or httpx.HTTPTransport()
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = self._wrapped.handle_request(request)
            except (httpx.TimeoutException, httpx.NetworkError) as exc:
                if attempt >= self.retries:
                    raise
                delay = self._backoff_delay(attempt)
                logger.debug(
                    "%s %s failed (%s); retry in %.1fs", request.method, request.url, exc, delay
                )
            else:
                if response.status_code not in RETRY_STATUSES or attempt >= self.retries:
                    return response
                response.read()
                response.close()
                delay = max(self._backoff_delay(attempt), retry_after(response) or 0.0)
                logger.debug(
                    "%s %s answered %d; retry in %.1fs",
                    request.method,
                    request.url,
                    response.status_code,
                    delay,
                )
            attempt += 1
            self._sleep(delay)

    def close(self) -> None:
        self._wrapped.close()

    def _backoff_delay(self, attempt: int) -> float:
        base = self.backoff * (2**attempt)
        return base * (0.5 + random.random() / 2)


def retry_after(response: httpx.Response) -> float | None:
    """The pause in seconds that ``response`` asks for, capped, or ``None``."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def make_client(
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> httpx.Client:
    """An httpx client with time-outs, retries and papersift's User-Agent."""
    return httpx.Client(
        transport=RetryTransport(retries, backoff, sleep=sleep),
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
    )


class Spacing:
    """Keeps at least ``interval`` seconds between calls of :meth:`wait`.

    arXiv asks API clients for one request every 3 seconds; the API source waits here before
    each request.
    """

    def __init__(
        self,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None

    def wait(self) -> None:
        """Sleep until ``interval`` has passed since the previous call."""
        now = self._clock()
        if self._last is not None and now - self._last < self.interval:
            self._sleep(self.interval - (now - self._last))
            now = self._clock()
        self._last = now
