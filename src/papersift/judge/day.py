"""The judge stage of one day: cascade, title pass, abstract pass, usage, and the digest.

``build_judged_digest`` is what the pipeline calls after ranking: with the judge off it is
``build_digest``; with it on, the cascade picks the papers the judge reads, the passes judge them,
and every scanned paper still reaches the digest, judged or with its local score.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

from papersift.config import JudgeSettings
from papersift.digest import DigestInputs, Selection, build_digest
from papersift.judge.cache import JudgmentCache
from papersift.judge.cascade import cascade
from papersift.judge.client import JudgeClient, missing_key
from papersift.judge.inject import injection_flag
from papersift.judge.pricing import Price, Pricing
from papersift.judge.prompts import (
    PassName,
    PassPrompt,
    PromptTexts,
    load_prompt_texts,
    pass_prompt,
)
from papersift.judge.stage import JudgePass, PassResult, RateLimiter, Spend, batch_size
from papersift.judge.tokens import TokenCounter
from papersift.models import Digest, DigestEntry, Judgment, Paper, Usage

logger = logging.getLogger(__name__)


class Reporter(Protocol):
    """Shows a stage's progress (the pipeline's reporter)."""

    def stage(self, name: str, total: int) -> AbstractContextManager[Callable[[int], None]]:
        """A context whose value is called with the number of items just done."""
        ...


@dataclass(slots=True)
class JudgeOutcome:
    """What the judge made of one day."""

    judgments: dict[str, Judgment] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    dropped_by_title: set[str] = field(default_factory=set)
    over_budget: set[str] = field(default_factory=set)
    """Papers the cascade chose but the budget stopped judging before they were sent."""
    usage: list[Usage] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    flags: dict[str, str] = field(default_factory=dict)
    """Paper id to the flag of text in it aimed at the judge."""
    criteria_text: str = ""
    spend: Spend | None = None


def build_judged_digest(
    settings: JudgeSettings,
    inputs: DigestInputs,
    selection: Selection,
    cache: JudgmentCache,
    reporter: Reporter,
    *,
    dry_run: bool = False,
) -> Digest:
    """Judge the scanned papers as the settings say and build the day's digest."""
    if not settings.enabled:
        return build_digest(inputs, selection)
    selection = dataclasses.replace(
        selection,
        min_relevance=settings.min_relevance,
        min_novelty=settings.min_novelty,
        relevance_weight=settings.relevance_weight,
        novelty_weight=settings.novelty_weight,
    )
    watched = set(inputs.filters.watched)
    if dry_run:
        outcome = estimate_day(settings, inputs, watched, cache)
    else:
        outcome = judge_day(settings, inputs, watched, cache, reporter)
    inputs = dataclasses.replace(
        inputs,
        judgments=outcome.judgments,
        failed=outcome.failed,
        usage=[*inputs.usage, *outcome.usage],
        notices=[*outcome.notices, *inputs.notices],
        criteria_text=outcome.criteria_text,
    )
    return _annotate(build_digest(inputs, selection), outcome)


def judge_day(
    settings: JudgeSettings,
    inputs: DigestInputs,
    watched: set[str],
    cache: JudgmentCache,
    reporter: Reporter,
) -> JudgeOutcome:
    """Run the cascade and the passes over the day's scanned papers."""
    texts = load_prompt_texts(settings)
    chosen, rest = cascade(
        inputs.papers, inputs.scores, watched, settings.max_papers, settings.share
    )
    logger.info(
        "Judging %d of %d scanned papers with %s (%d left to the local ranking)",
        len(chosen),
        len(inputs.papers),
        settings.model,
        len(rest),
    )
    outcome = JudgeOutcome(criteria_text=texts.criteria)
    outcome.flags = _injection_flags(inputs.papers)
    if chosen:
        asyncio.run(
            _judge(settings, texts, inputs.interests_text, chosen, cache, reporter, outcome)
        )
    return outcome


async def _judge(
    settings: JudgeSettings,
    texts: PromptTexts,
    interests_text: str,
    papers: list[Paper],
    cache: JudgmentCache,
    reporter: Reporter,
    outcome: JudgeOutcome,
) -> None:
    client = JudgeClient(settings)
    pricing = Pricing.from_settings(settings)
    spend = Spend(settings.budget_usd, settings.budget_tokens)
    runner = JudgePass(
        settings,
        client,
        cache,
        TokenCounter(settings.model),
        pricing,
        spend,
        RateLimiter(settings.rpm, settings.tpm),
    )
    outcome.spend = spend
    if settings.budget_usd is not None and not pricing.priced:
        outcome.notices.append(
            f"The budget of ${settings.budget_usd:g} was not enforced: model "
            f"{settings.model!r} has no known price. Set [judge] price_input and price_output, "
            "or budget_tokens."
        )
    try:
        if settings.title_pass:
            prompt = pass_prompt(settings, texts, interests_text, "title")
            with reporter.stage("Judging titles", len(papers)) as advance:
                titles, _ = await runner.run(prompt, papers, advance)
            papers = _after_titles(papers, titles, settings.title_cutoff, outcome)
        prompt = pass_prompt(settings, texts, interests_text, "abstract")
        with reporter.stage("Judging abstracts", len(papers)) as advance:
            result, prompt = await runner.run(prompt, papers, advance)
    finally:
        await client.aclose()
    unasked = result.unasked
    outcome.judgments = {
        paper_id: _with_flag(judgment, outcome.flags.get(paper_id))
        for paper_id, judgment in result.judgments.items()
    }
    outcome.failed = result.failed
    outcome.over_budget = set(unasked)
    outcome.usage = [_usage(settings.model, spend)]
    if spend.stopped:
        outcome.notices.append(_budget_notice(settings, len(unasked), len(papers)))
    notice = _failed_notice(len(result.failed), len(result.judgments), len(papers))
    if notice:
        outcome.notices.append(notice)
    for notice in outcome.notices:
        logger.warning("%s", notice)
    if result.failed:
        logger.warning(
            "Run the day again later to judge the papers marked judge failed (the judgments "
            "made are kept); [judge] max_retries and timeout set how hard each request is "
            "tried, rpm and tpm how fast they go."
        )
    _log_summary(settings.model, result, spend, len(papers))


def _after_titles(
    papers: list[Paper], titles: PassResult, cutoff: float, outcome: JudgeOutcome
) -> list[Paper]:
    kept = []
    for paper in papers:
        item = titles.items.get(paper.id)
        if item is not None and item.relevance is not None and item.relevance <= cutoff:
            outcome.dropped_by_title.add(paper.id)
        else:
            kept.append(paper)
    logger.info("The title pass dropped %d of %d papers", len(papers) - len(kept), len(papers))
    return kept


@dataclass(slots=True)
class PassEstimate:
    """What one pass would send, counted offline."""

    name: str
    papers: int
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


def estimate_day(
    settings: JudgeSettings, inputs: DigestInputs, watched: set[str], cache: JudgmentCache
) -> JudgeOutcome:
    """What judging the day would cost, counted offline; nothing is sent.

    With the title pass on, which papers it drops is known only once it has run, so the title
    pass is estimated as it would go and the abstract pass as if it dropped none: an upper bound,
    and the notice says so.
    """
    texts = load_prompt_texts(settings)
    missing = missing_key(settings)
    if missing is not None:
        logger.warning("%s A real run would stop there.\n%s", missing.message, missing.hint)
    chosen, _ = cascade(inputs.papers, inputs.scores, watched, settings.max_papers, settings.share)
    counter = TokenCounter(settings.model)
    names: list[PassName] = ["title", "abstract"] if settings.title_pass else ["abstract"]
    estimates = [
        estimate_pass(
            pass_prompt(settings, texts, inputs.interests_text, name),
            chosen,
            settings,
            cache,
            counter,
        )
        for name in names
    ]
    pricing = Pricing.from_settings(settings)
    lines = [_estimate_line(e, pricing) for e in estimates]
    prompt_tokens = sum(e.prompt_tokens for e in estimates)
    completion_tokens = sum(e.completion_tokens for e in estimates)
    price = pricing.cost(prompt_tokens, completion_tokens)
    cost = "unpriced" if price is None else f"about ${price.total:.4f}"
    bound = "at most " if settings.title_pass else ""
    passes = "".join(f"; {line}" for line in lines) if settings.title_pass else ""
    cached = len(chosen) - estimates[-1].papers
    before = f" ({cached} judged before, from the cache)" if cached else ""
    notice = (
        f"Judge estimate: {len(chosen)} of {len(inputs.papers)} papers to {settings.model}"
        f"{before}, "
        f"{bound}{sum(e.requests for e in estimates)} request(s), {bound}{prompt_tokens} prompt "
        f"tokens (counted) and about {completion_tokens} completion tokens, {bound}{cost}"
        f"{passes}{_over_budget(settings, prompt_tokens + completion_tokens, price)}; "
        "nothing was sent."
    )
    # The dry run prints the notice as its summary; at INFO it would be said twice.
    logger.debug("%s", notice)
    return JudgeOutcome(notices=[notice], criteria_text=texts.criteria)


def _over_budget(settings: JudgeSettings, tokens: int, price: Price | None) -> str:
    """The estimate's remark when it is more than a budget allows, else nothing."""
    over = []
    if settings.budget_usd is not None and price is not None and price.total > settings.budget_usd:
        over.append(f"${settings.budget_usd:g}")
    if settings.budget_tokens is not None and tokens > settings.budget_tokens:
        over.append(f"{settings.budget_tokens} tokens")
    if not over:
        return ""
    return (
        f", more than the run's budget ({' / '.join(over)}), so judging would stop before the "
        "end and the rest keep their local ranking"
    )


def estimate_pass(
    prompt: PassPrompt,
    papers: Sequence[Paper],
    settings: JudgeSettings,
    cache: JudgmentCache,
    counter: TokenCounter,
) -> PassEstimate:
    """The requests and tokens of one pass over ``papers``, those in the cache left out."""
    keys = [(p.id, p.version) for p in papers]
    cached = cache.load_judgments(settings.model, prompt.prompt_hash, keys)
    todo = [p for p in papers if (p.id, p.version) not in cached]
    estimate = PassEstimate(prompt.name, len(todo))
    per_paper = settings.completion_tokens_per_paper if prompt.name == "abstract" else 12
    size = batch_size(len(todo), settings, prompt.name)
    for start in range(0, len(todo), size):
        batch = todo[start : start + size]
        estimate.requests += 1
        estimate.prompt_tokens += counter.request(prompt.static, prompt.user_message(batch))
        estimate.completion_tokens += len(batch) * per_paper
    return estimate


def _estimate_line(estimate: PassEstimate, pricing: Pricing) -> str:
    price = pricing.cost(estimate.prompt_tokens, estimate.completion_tokens)
    cost = "unpriced" if price is None else f"${price.total:.4f}"
    bound = " (at most: before the title pass drops any)" if estimate.name == "abstract" else ""
    return (
        f"{estimate.name} pass{bound}: {estimate.papers} papers, {estimate.requests} request(s), "
        f"{estimate.prompt_tokens} + {estimate.completion_tokens} tokens, {cost}"
    )


def _annotate(digest: Digest, outcome: JudgeOutcome) -> Digest:
    def fix(entry: DigestEntry) -> DigestEntry:
        flag = outcome.flags.get(entry.paper.id)
        if entry.paper.id in outcome.dropped_by_title and entry.status == "not judged":
            entry = dataclasses.replace(entry, status="dropped by title")
        if entry.paper.id in outcome.over_budget and entry.status == "not judged":
            entry = dataclasses.replace(entry, status="stopped by budget")
        if flag and flag not in entry.flags:
            entry = dataclasses.replace(entry, flags=(*entry.flags, flag))
        return entry

    digest.entries = [fix(entry) for entry in digest.entries]
    digest.unselected = [fix(entry) for entry in digest.unselected]
    return digest


def _injection_flags(papers: Sequence[Paper]) -> dict[str, str]:
    flags = {}
    for paper in papers:
        flag = injection_flag(paper)
        if flag:
            logger.warning("Paper %s holds text aimed at the judge: %s", paper.id, flag)
            flags[paper.id] = flag
    return flags


def _with_flag(judgment: Judgment, flag: str | None) -> Judgment:
    if not flag or flag in judgment.flags:
        return judgment
    return dataclasses.replace(judgment, flags=(*judgment.flags, flag))


def _usage(model: str, spend: Spend) -> Usage:
    cost = None
    if spend.prompt_cost is not None and spend.completion_cost is not None:
        cost = spend.prompt_cost + spend.completion_cost
    return Usage(
        model=model,
        prompt_tokens=spend.prompt_tokens,
        completion_tokens=spend.completion_tokens,
        cached_tokens=spend.cached_tokens,
        cost=cost,
        prompt_cost=spend.prompt_cost,
        completion_cost=spend.completion_cost,
    )


def _budget_notice(settings: JudgeSettings, unasked: int, total: int) -> str:
    limits = []
    if settings.budget_usd is not None:
        limits.append(f"${settings.budget_usd:g}")
    if settings.budget_tokens is not None:
        limits.append(f"{settings.budget_tokens} tokens")
    return (
        f"Judging stopped at the run's budget ({' / '.join(limits)}): {unasked} of {total} "
        "papers were not judged and keep their local ranking."
    )


def _failed_notice(failed: int, judged: int, total: int) -> str | None:
    """The digest's notice of papers the judge gave no answer for, if any."""
    if not failed:
        return None
    if not judged:
        return (
            f"The judge answered for none of the {failed} papers sent to it; "
            "this digest follows the local ranking."
        )
    return (
        f"{failed} of {total} papers sent to the judge could not be judged (no usable answer "
        "after every retry); they are marked judge failed and keep their local ranking."
    )


def _log_summary(model: str, result: PassResult, spend: Spend, papers: int) -> None:
    cost = (
        "unpriced"
        if spend.prompt_cost is None or spend.completion_cost is None
        else f"${spend.prompt_cost + spend.completion_cost:.4f}"
    )
    logger.info(
        "Judge %s: %d of %d papers judged (%d from the cache, %d failed), %d request(s), "
        "%d prompt + %d completion tokens, %s",
        model,
        len(result.judgments),
        papers,
        result.cached,
        len(result.failed),
        spend.requests,
        spend.prompt_tokens,
        spend.completion_tokens,
        cost,
    )
