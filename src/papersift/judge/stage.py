"""One judge pass: batches of papers sent concurrently, within rate limits and the budget.

Papers already judged under the same prompt and model come from the cache. The rest go out in
batches, several requests in flight, each reply parsed and its judgments saved to the cache as
it arrives. Papers a reply missed are asked again, alone with the other missed ones (those of
replies that came back meanwhile packed together), up to ``missing_retries`` times; a reply cut
off at the length limit has its missed papers asked again in batches half the size. A request
that fails after the SDK's own retries leaves its papers judge failed. When the next request
could exceed the budget, judging stops.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from papersift.config import JudgeSettings
from papersift.judge.cache import JudgmentCache
from papersift.judge.client import JudgeClient, Reply, RequestFailed, StructuredOutputRejected
from papersift.judge.parse import ReplyItem, parse_reply
from papersift.judge.pricing import Pricing
from papersift.judge.prompts import PassPrompt
from papersift.judge.tokens import TokenCounter
from papersift.models import Judgment, Paper

logger = logging.getLogger(__name__)

_MIN_BATCH = 10
"""Smallest batch of ``spread`` batching: below it the static prompt outweighs the papers."""
_TITLE_FACTOR = 4


@dataclass(slots=True)
class Spend:
    """What a run has spent so far, shared by its passes, and its limits."""

    budget_usd: float | None
    budget_tokens: int | None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    prompt_cost: float | None = 0.0
    completion_cost: float | None = 0.0
    requests: int = 0
    reserved_tokens: int = 0
    reserved_usd: float = 0.0
    stopped: bool = False

    def allows(self, tokens: int, usd: float | None) -> bool:
        """Whether a request of this estimate keeps the run within both budgets."""
        if self.budget_tokens is not None:
            used = self.prompt_tokens + self.completion_tokens + self.reserved_tokens
            if used + tokens > self.budget_tokens:
                return False
        if self.budget_usd is not None and usd is not None:
            spent = (self.prompt_cost or 0.0) + (self.completion_cost or 0.0) + self.reserved_usd
            if spent + usd > self.budget_usd:
                return False
        return True

    def add(self, reply: Reply, prompt_cost: float | None, completion_cost: float | None) -> None:
        """Count one reply's tokens and cost."""
        self.requests += 1
        self.prompt_tokens += reply.prompt_tokens
        self.completion_tokens += reply.completion_tokens
        self.cached_tokens += reply.cached_tokens
        self.prompt_cost = _plus(self.prompt_cost, prompt_cost)
        self.completion_cost = _plus(self.completion_cost, completion_cost)


@dataclass(slots=True)
class PassResult:
    """What one pass found out."""

    items: dict[str, ReplyItem] = field(default_factory=dict)
    judgments: dict[str, Judgment] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    """Papers still missing after every retry."""
    unasked: set[str] = field(default_factory=set)
    """Papers never sent because the budget stopped judging."""
    cached: int = 0


@dataclass(slots=True)
class _Batch:
    papers: list[Paper]
    attempt: int = 0
    size_limit: int = 0


class RateLimiter:
    """Keeps requests and tokens within per-minute limits over a sliding minute."""

    def __init__(
        self, rpm: int | None, tpm: int | None, clock: Callable[[], float] = time.monotonic
    ):
        self.rpm = rpm
        self.tpm = tpm
        self._clock = clock
        self._sent: deque[tuple[float, int]] = deque()
        self._lock = asyncio.Lock()

    async def wait(self, tokens: int) -> None:
        """Return once a request of ``tokens`` may be sent."""
        if self.rpm is None and self.tpm is None:
            return
        async with self._lock:
            while True:
                now = self._clock()
                while self._sent and now - self._sent[0][0] >= 60.0:
                    self._sent.popleft()
                if self._fits(tokens):
                    self._sent.append((now, tokens))
                    return
                delay = 60.0 - (now - self._sent[0][0]) if self._sent else 0.1
                logger.debug("Rate limit reached; waiting %.1f s", delay)
                await asyncio.sleep(min(max(delay, 0.05), 1.0))

    def _fits(self, tokens: int) -> bool:
        if not self._sent:
            return True
        if self.rpm is not None and len(self._sent) >= self.rpm:
            return False
        used = sum(t for _, t in self._sent)
        return self.tpm is None or used + tokens <= self.tpm


class JudgePass:
    """Runs one pass (title or abstract) over a list of papers."""

    def __init__(
        self,
        settings: JudgeSettings,
        client: JudgeClient,
        cache: JudgmentCache,
        counter: TokenCounter,
        pricing: Pricing,
        spend: Spend,
        limiter: RateLimiter,
    ) -> None:
        self.settings = settings
        self.client = client
        self.cache = cache
        self.counter = counter
        self.pricing = pricing
        self.spend = spend
        self.limiter = limiter

    async def run(
        self, prompt: PassPrompt, papers: Sequence[Paper], advance: Callable[[int], None]
    ) -> tuple[PassResult, PassPrompt]:
        """Judge ``papers`` under ``prompt``; returns the result and the prompt finally used."""
        result = PassResult()
        todo = self._from_cache(prompt, papers, result)
        advance(result.cached)
        if not todo:
            return result, prompt
        try:
            await self._judge(prompt, todo, result, advance)
        except StructuredOutputRejected:
            logger.warning(
                "The endpoint rejects JSON-schema replies; asking for JSON Lines instead. "
                "Set [judge] structured_output = false to skip the first attempt."
            )
            prompt = prompt.without_structure()
            rest = [p for p in todo if p.id not in result.judgments and p.id not in result.items]
            todo = self._from_cache(prompt, rest, result)
            if todo:
                await self._judge(prompt, todo, result, advance)
        return result, prompt

    def _from_cache(
        self, prompt: PassPrompt, papers: Sequence[Paper], result: PassResult
    ) -> list[Paper]:
        keys = [(p.id, p.version) for p in papers]
        found = self.cache.load_judgments(self.settings.model, prompt.prompt_hash, keys)
        for paper in papers:
            judgment = found.get((paper.id, paper.version))
            if judgment is not None:
                result.judgments[paper.id] = judgment
                result.items[paper.id] = ReplyItem(
                    paper.id, judgment.relevance, judgment.novelty, judgment.comment
                )
        result.cached += len(found)
        if found:
            logger.debug("%d judgment(s) from the cache for the %s pass", len(found), prompt.name)
        return [p for p in papers if p.id not in result.judgments]

    async def _judge(
        self,
        prompt: PassPrompt,
        papers: list[Paper],
        result: PassResult,
        advance: Callable[[int], None],
    ) -> None:
        size = batch_size(len(papers), self.settings, prompt.name)
        queue: deque[_Batch] = deque(
            _Batch(papers[i : i + size], 0, size) for i in range(0, len(papers), size)
        )
        running: dict[asyncio.Task[list[_Batch]], int] = {}
        try:
            while queue or running:
                while (
                    queue
                    and len(running) < self.settings.concurrency
                    and not self.spend.stopped
                    and self._ready(queue[0], running.values())
                ):
                    batch = queue.popleft()
                    task = asyncio.create_task(self._send(prompt, batch, result, advance))
                    running[task] = batch.attempt
                if self.spend.stopped:
                    for batch in queue:
                        result.unasked.update(p.id for p in batch.papers)
                    queue.clear()
                if not running:
                    break
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    running.pop(task)
                    queue.extend(task.result())
                if self.settings.batching == "economical":
                    _merge_retries(queue)
        finally:
            for task in running:
                task.cancel()
            if running:
                await asyncio.gather(*running, return_exceptions=True)

    def _ready(self, batch: _Batch, running: Iterable[int]) -> bool:
        """Whether ``batch`` may go now: economical retries wait for the earlier attempts'
        replies, so that the papers they miss are asked again together."""
        if self.settings.batching == "spread" or not batch.attempt:
            return True
        return all(attempt >= batch.attempt for attempt in running)

    async def _send(
        self,
        prompt: PassPrompt,
        batch: _Batch,
        result: PassResult,
        advance: Callable[[int], None],
    ) -> list[_Batch]:
        """Send one batch; returns the batches to ask again."""
        user = prompt.user_message(batch.papers)
        limit = self.reply_limit(prompt, len(batch.papers))
        estimate = self.counter.request(prompt.static, user)
        price = self.pricing.cost(estimate, limit)
        if self.spend.stopped or not self.spend.allows(estimate + limit, price and price.total):
            self.spend.stopped = True
            result.unasked.update(p.id for p in batch.papers)
            return []
        self.spend.reserved_tokens += estimate + limit
        self.spend.reserved_usd += price.total if price else 0.0
        try:
            await self.limiter.wait(estimate + limit)
            reply = await self.client.complete(prompt.static, user, prompt.response_format(), limit)
        except StructuredOutputRejected:
            raise
        except RequestFailed as exc:
            # The SDK has already retried this request; asking again here would stack a second
            # retry loop on top of it, so its papers are judge failed.
            ids = ", ".join(p.id for p in batch.papers)
            logger.warning("Judge request failed after the SDK's retries (%s): %s", ids, exc)
            result.failed.update(p.id for p in batch.papers)
            advance(len(batch.papers))
            return []
        finally:
            self.spend.reserved_tokens -= estimate + limit
            self.spend.reserved_usd -= price.total if price else 0.0
        return self._take(prompt, batch, reply, result, advance)

    def _take(
        self,
        prompt: PassPrompt,
        batch: _Batch,
        reply: Reply,
        result: PassResult,
        advance: Callable[[int], None],
    ) -> list[_Batch]:
        price = self.pricing.cost(reply.prompt_tokens, reply.completion_tokens, reply.cached_tokens)
        self.spend.add(reply, price and price.prompt, price and price.completion)
        parsed = parse_reply(reply.text, [p.id for p in batch.papers], prompt.fields)
        answered = [p for p in batch.papers if p.id in parsed.items]
        prompt_shares = _shares(reply.prompt_tokens, len(answered))
        completion_shares = _shares(reply.completion_tokens, len(answered))
        cost = None if price is None else price.total / max(len(answered), 1)
        judgments = [
            self._judgment(prompt, paper, parsed.items[paper.id], reply.duration_ms, cost, tokens)
            for paper, tokens in zip(
                answered, zip(prompt_shares, completion_shares, strict=True), strict=True
            )
        ]
        self.cache.save_judgments(judgments)
        for paper, judgment in zip(answered, judgments, strict=True):
            result.items[paper.id] = parsed.items[paper.id]
            result.judgments[paper.id] = judgment
        advance(len(answered))
        missing = [p for p in batch.papers if p.id not in parsed.items]
        if not missing:
            return []
        cut = reply.finish_reason == "length"
        logger.info(
            "Reply %s %d of %d paper(s); asking again",
            "cut off at the length limit, missing" if cut else "missed",
            len(missing),
            len(batch.papers),
        )
        return self._again(batch, missing, result, advance, shrink=cut)

    def _again(
        self,
        batch: _Batch,
        missing: list[Paper],
        result: PassResult,
        advance: Callable[[int], None],
        *,
        shrink: bool,
    ) -> list[_Batch]:
        if batch.attempt >= self.settings.missing_retries:
            ids = ", ".join(p.id for p in missing)
            logger.warning("Judge gave no answer for %s after every retry", ids)
            result.failed.update(p.id for p in missing)
            advance(len(missing))
            return []
        # A cut-off reply has its missed papers asked again in batches half its own size.
        size = max(1, min(batch.size_limit, len(batch.papers)) // 2) if shrink else batch.size_limit
        return [
            _Batch(missing[i : i + size], batch.attempt + 1, size)
            for i in range(0, len(missing), size)
        ]

    def _judgment(
        self,
        prompt: PassPrompt,
        paper: Paper,
        item: ReplyItem,
        duration_ms: int,
        cost: float | None,
        tokens: tuple[int, int],
    ) -> Judgment:
        return Judgment(
            paper_id=paper.id,
            version=paper.version,
            model=self.settings.model,
            prompt_hash=prompt.prompt_hash,
            relevance=item.relevance,
            novelty=item.novelty,
            comment=item.comment,
            flags=tuple(item.flags),
            prompt_tokens=tokens[0],
            completion_tokens=tokens[1],
            cost=cost,
            duration_ms=duration_ms,
        )

    def reply_limit(self, prompt: PassPrompt, papers: int) -> int:
        """The reply token limit for a batch of ``papers``."""
        per_paper = self.settings.completion_tokens_per_paper
        if prompt.name == "title":
            per_paper = max(per_paper // 4, 12)
        return 64 + per_paper * papers


def batch_size(papers: int, settings: JudgeSettings, pass_name: str = "abstract") -> int:
    """Papers per request: fixed by the settings, else adapted to the day's volume.

    Every request repeats the static prompt, so ``economical`` batching sends as few requests
    as ``max_batch_size`` allows, with the papers shared evenly among them (70 papers at most 30
    a batch go as 24, 24 and 22), and concurrency works across those requests alone.
    ``spread`` batching spreads the papers over the ``concurrency`` requests in flight, at least
    ``_MIN_BATCH`` a batch: faster when the endpoint's reply time grows with the batch, but each
    extra request pays for the static prompt again. Titles are short, so a title pass takes
    ``_TITLE_FACTOR`` times as many per request.
    """
    factor = _TITLE_FACTOR if pass_name == "title" else 1
    if settings.batch_size is not None:
        return settings.batch_size * factor
    largest = settings.max_batch_size * factor
    if papers <= 0:
        return 1
    if settings.batching == "spread":
        spread = math.ceil(papers / settings.concurrency)
        return max(1, min(largest, max(_MIN_BATCH * factor, spread)))
    requests = math.ceil(papers / largest)
    return math.ceil(papers / requests)


def _merge_retries(queue: deque[_Batch]) -> None:
    """Pack the waiting retries of several replies into as few batches as their limit allows.

    Each request repeats the static prompt, so the papers two replies missed are asked again
    together. Only retries of the same attempt and size limit are packed; first batches stay.
    """
    first = [batch for batch in queue if batch.attempt == 0]
    groups: dict[tuple[int, int], list[Paper]] = {}
    for batch in queue:
        if batch.attempt:
            groups.setdefault((batch.attempt, batch.size_limit), []).extend(batch.papers)
    retries = [
        _Batch(papers[i : i + limit], attempt, limit)
        for (attempt, limit), papers in sorted(groups.items(), key=lambda item: item[0][0])
        for i in range(0, len(papers), limit)
    ]
    if len(retries) < len(queue) - len(first):
        logger.debug("Retries packed into %d batch(es)", len(retries))
    queue.clear()
    queue.extend(first + retries)


def _shares(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` whole shares that add up to it exactly."""
    base, extra = divmod(total, max(parts, 1))
    return [base + (1 if index < extra else 0) for index in range(parts)]


def _plus(total: float | None, value: float | None) -> float | None:
    if total is None or value is None:
        return None
    return total + value
