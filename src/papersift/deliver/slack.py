"""Posting the digest to Slack: Block Kit messages by incoming webhook or bot token.

The top papers become one section block each, divided by dividers, under a header and the day's
totals. Slack takes at most 50 blocks a message and 3,000 characters a text block, so longer
digests are split over several messages and long texts are cut. Paper text is escaped for
Slack's ``mrkdwn`` (``&``, ``<``, ``>``), so a title can neither ping a channel nor forge a link.

Retries are slack_sdk's own retry handlers: 429 waits for ``Retry-After`` (capped), 500 and 503
back off; connection resets are tried again once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.error import URLError

from papersift._http import MAX_RETRY_AFTER
from papersift.config import SlackSettings
from papersift.errors import DeliveryError, MissingExtraError
from papersift.models import NO_ABSTRACT

logger = logging.getLogger(__name__)

MAX_BLOCKS = 50
"""Slack's limit of blocks in one message."""
MAX_TEXT = 3000
"""Slack's limit of characters in a section block's text."""
MAX_HEADER = 150
_ABSTRACT_CHARS = 280

Block = dict[str, Any]


class _Redact(logging.Filter):
    """Replaces the webhook URL and the token in slack_sdk's log lines, which name them."""

    secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = _redact(record.getMessage()), None
        return True


def _redact(text: str) -> str:
    for secret in _Redact.secrets:
        text = text.replace(secret, "***")
    return text


_sdk_logger = logging.getLogger(f"{__name__}.sdk")
_sdk_logger.addFilter(_Redact())


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """One message: its blocks and the plain text notifications show."""

    text: str
    blocks: list[Block]


def slack_configured(settings: SlackSettings) -> bool:
    """Whether a webhook URL, or a bot token and a channel, are set."""
    return settings.webhook_url is not None or (
        settings.bot_token is not None and bool(settings.channel)
    )


def slack_target(settings: SlackSettings) -> str:
    """What a delivery record names as the target: ``webhook`` or the channel."""
    return "webhook" if settings.webhook_url is not None else str(settings.channel)


def escape_mrkdwn(text: str) -> str:
    """``text`` with the three characters Slack reads as control characters escaped."""
    return " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def slack_blocks(document: Mapping[str, Any], top: int, site_url: str = "") -> list[Block]:
    """The Block Kit blocks of a digest document's first ``top`` papers."""
    totals = document.get("totals", {})
    blocks: list[Block] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": fit(f"arXiv digest {document['date']}", MAX_HEADER),
            },
        },
        _context(
            f"{totals.get('arxiv_papers', 0)} announced · {totals.get('scanned_papers', 0)} "
            f"scanned · {totals.get('relevant_papers', 0)} selected for "
            f"{escape_mrkdwn(str(document.get('profile', '')))}"
        ),
    ]
    papers = list(document.get("papers", []))
    for rank, paper in enumerate(papers[:top], 1):
        blocks += [{"type": "divider"}, _paper_section(rank, paper)]
    if not papers:
        blocks.append(_section("No paper was selected on this day."))
    more = len(papers) - top
    if more > 0 or site_url:
        tail = f"{more} more in the digest." if more > 0 else ""
        if site_url:
            tail = f"{tail} <{site_url}|Read the day's page>".strip()
        blocks.append(_context(tail))
    return blocks


def _paper_section(rank: int, paper: Mapping[str, Any]) -> Block:
    title = escape_mrkdwn(paper["title"]).replace("|", "∣")
    scores = [f"local score {paper['score']:.2f}"]
    if paper.get("relevance") is not None:
        scores.insert(0, f"relevance {paper['relevance']:g}, novelty {paper.get('novelty') or 0:g}")
    if paper.get("topic"):
        scores.append(f"best match: {escape_mrkdwn(paper['topic'])}")
    if paper.get("watched_authors"):
        scores.append(f"watched: {escape_mrkdwn(', '.join(paper['watched_authors']))}")
    lines = [
        f"*{rank}. <{paper['abs_url']}|{title}>*",
        fit(escape_mrkdwn(", ".join(paper.get("authors", []))), 300),
        "_" + " · ".join(scores) + "_",
        fit(escape_mrkdwn(paper.get("abstract") or NO_ABSTRACT), _ABSTRACT_CHARS),
        f"<{paper['abs_url']}|abstract> · <{paper['pdf_url']}|PDF> · arXiv:{paper['id']}",
    ]
    return _section("\n".join(lines))


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": fit(text, MAX_TEXT)}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": fit(text, MAX_TEXT)}]}


def chunk_blocks(blocks: Sequence[Block], limit: int = MAX_BLOCKS) -> list[list[Block]]:
    """``blocks`` split into messages of at most ``limit``, never opening one with a divider."""
    chunks: list[list[Block]] = []
    current: list[Block] = []
    for block in blocks:
        if len(current) >= limit:
            chunks.append(current)
            current = []
        if not current and block["type"] == "divider" and chunks:
            continue
        current.append(block)
    if current:
        chunks.append(current)
    return chunks


def slack_messages(document: Mapping[str, Any], settings: SlackSettings) -> list[SlackMessage]:
    """The messages that carry a digest document to Slack."""
    chunks = chunk_blocks(slack_blocks(document, settings.top, settings.site_url))
    count = len(chunks)
    text = f"arXiv digest {document['date']}: {len(document.get('papers', []))} papers"
    return [
        SlackMessage(text if count == 1 else f"{text} ({number}/{count})", chunk)
        for number, chunk in enumerate(chunks, 1)
    ]


def deliver_slack(
    document: Mapping[str, Any],
    settings: SlackSettings,
    sleep: Callable[[float], None] = time.sleep,
    *,
    skip: int = 0,
) -> int:
    """Post a digest document to Slack; returns the number of messages sent.

    ``skip`` is the number of messages of a split digest already in the channel, from an earlier
    attempt that failed part way: those are not posted again. If the digest now splits into no
    more messages than that (the settings changed), it is posted whole.

    Raises:
        DeliveryError: Slack refused a message or could not be reached, after the retries; its
            ``parts_sent`` counts the messages in the channel, earlier attempts' included.
        MissingExtraError: slack_sdk is not installed.
    """
    post = _poster(settings, sleep)
    messages = slack_messages(document, settings)
    if skip >= len(messages):
        if skip:
            logger.warning("The digest no longer splits as it did; posting all of it again")
        skip = 0
    for number, message in enumerate(messages[skip:], skip + 1):
        try:
            post(message)
        except DeliveryError as exc:
            if number == 1:
                raise
            raise DeliveryError(
                f"{exc.message} {_posted(number - 1, len(messages))}; a retry posts only the rest.",
                exc.hint,
                parts_sent=number - 1,
            ) from None
        logger.info("Slack message %d/%d sent to %s", number, len(messages), slack_target(settings))
    return len(messages) - skip


def _posted(count: int, total: int) -> str:
    if count == 1:
        return f"Message 1 of {total} was posted"
    return f"Messages 1-{count} of {total} were posted"


def _poster(
    settings: SlackSettings, sleep: Callable[[float], None]
) -> Callable[[SlackMessage], None]:
    try:
        import slack_sdk  # noqa: F401
    except ImportError:
        raise MissingExtraError("Slack delivery", "slack") from None
    handlers = _retry_handlers(settings.retries, sleep)
    for secret in (settings.webhook_url, settings.bot_token):
        if secret is not None:
            _Redact.secrets.add(secret.get_secret_value())
    if settings.webhook_url is not None:
        return _webhook_poster(settings.webhook_url.get_secret_value(), settings, handlers)
    return _bot_poster(settings, handlers)


def _webhook_poster(
    url: str, settings: SlackSettings, handlers: list[Any]
) -> Callable[[SlackMessage], None]:
    from slack_sdk.errors import SlackClientError
    from slack_sdk.webhook import WebhookClient

    webhook = WebhookClient(
        url, timeout=settings.timeout, retry_handlers=handlers, logger=_sdk_logger
    )

    def post(message: SlackMessage) -> None:
        try:
            response = webhook.send(text=message.text, blocks=message.blocks)
        except (SlackClientError, URLError, OSError, ValueError) as exc:
            raise _failure("the webhook could not be reached", exc) from None
        if response.status_code != 200:
            raise _failure(f"the webhook answered {response.status_code} {response.body[:200]!r}")

    return post


def _bot_poster(settings: SlackSettings, handlers: list[Any]) -> Callable[[SlackMessage], None]:
    from slack_sdk.errors import SlackApiError, SlackClientError
    from slack_sdk.web import WebClient

    assert settings.bot_token is not None
    client = WebClient(
        token=settings.bot_token.get_secret_value(),
        base_url=settings.api_url,
        timeout=settings.timeout,
        retry_handlers=handlers,
        logger=_sdk_logger,
    )

    def post(message: SlackMessage) -> None:
        try:
            client.chat_postMessage(
                channel=str(settings.channel), text=message.text, blocks=message.blocks
            )
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            status = exc.response.status_code
            raise _failure(
                f"chat.postMessage answered {status} ({error or 'no error code'})"
            ) from None
        except (SlackClientError, URLError, OSError, ValueError) as exc:
            raise _failure("the Slack API could not be reached", exc) from None

    return post


def _failure(what: str, exc: BaseException | None = None) -> DeliveryError:
    cause = f": {type(exc).__name__}: {_redact(str(exc))}" if exc is not None else ""
    return DeliveryError(
        f"Slack delivery failed: {what}{cause}.",
        "Check [slack] and SLACK_WEBHOOK_URL / SLACK_BOT_TOKEN, "
        "then run `papersift deliver --retry`.",
    )


def _retry_handlers(retries: int, sleep: Callable[[float], None]) -> list[Any]:
    from slack_sdk.http_retry import RetryHandler
    from slack_sdk.http_retry.builtin_handlers import (
        ConnectionErrorRetryHandler,
        ServerErrorRetryHandler,
    )

    class RateLimitRetry(RetryHandler):
        """Waits as long as a 429's ``Retry-After`` asks, up to papersift's cap."""

        def _can_retry(
            self, *, state: Any, request: Any, response: Any = None, error: Any = None
        ) -> bool:
            return response is not None and response.status_code == 429

        def prepare_for_next_attempt(
            self, *, state: Any, request: Any, response: Any = None, error: Any = None
        ) -> None:
            delay = _retry_after(response.headers if response is not None else {})
            logger.debug("Slack answered 429; retry in %.1fs", delay)
            state.next_attempt_requested = True
            sleep(delay)
            state.increment_current_attempt()

    return [
        ConnectionErrorRetryHandler(max_retry_count=1),
        RateLimitRetry(max_retry_count=retries),
        ServerErrorRetryHandler(max_retry_count=retries),
    ]


def _retry_after(headers: Mapping[str, Any]) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            text = value[0] if isinstance(value, list) else value
            try:
                return min(max(float(text), 0.0), MAX_RETRY_AFTER)
            except (TypeError, ValueError):
                break
    return 1.0
