"""The pieces of a pass: rate limits, batch sizes, the cascade, request failures."""

from __future__ import annotations

import asyncio
import math

from judge_helpers import DAYS, judge_digest, judge_settings

from papersift.config import JudgeSettings
from papersift.judge.cascade import cascade
from papersift.judge.stage import RateLimiter, batch_size
from papersift.models import Paper, Score


def test_rate_limiter_holds_requests_past_the_minute():
    now = [0.0]
    limiter = RateLimiter(rpm=2, tpm=None, clock=lambda: now[0])

    async def go() -> None:
        await limiter.wait(10)
        await limiter.wait(10)
        third = asyncio.create_task(limiter.wait(10))
        await asyncio.sleep(0.2)
        assert not third.done()
        now[0] = 60.5
        await asyncio.wait_for(third, 3)

    asyncio.run(go())


def test_rate_limiter_counts_tokens():
    now = [0.0]
    limiter = RateLimiter(rpm=None, tpm=1000, clock=lambda: now[0])

    async def go() -> None:
        await limiter.wait(700)
        second = asyncio.create_task(limiter.wait(400))
        await asyncio.sleep(0.2)
        assert not second.done()
        now[0] = 61.0
        await asyncio.wait_for(second, 3)

    asyncio.run(go())


def test_spread_batching_fills_the_requests_in_flight():
    settings = JudgeSettings(concurrency=8, max_batch_size=25, batching="spread")
    assert batch_size(20, settings) == 10
    assert batch_size(120, settings) == 15
    assert batch_size(1000, settings) == 25
    assert batch_size(120, settings, "title") == 40
    assert batch_size(1000, settings, "title") == 100
    assert batch_size(120, JudgeSettings(batch_size=4)) == 4


def test_economical_batching_sends_the_fewest_even_batches():
    settings = JudgeSettings(concurrency=8, max_batch_size=30)
    assert settings.batching == "economical"
    assert batch_size(20, settings) == 20
    assert batch_size(30, settings) == 30
    assert batch_size(31, settings) == 16
    assert batch_size(70, settings) == 24
    assert batch_size(117, settings) == 30
    assert batch_size(1, settings) == 1 and batch_size(0, settings) == 1
    assert batch_size(117, settings, "title") == 117
    assert batch_size(200, settings, "title") == 100
    assert batch_size(70, JudgeSettings(batch_size=7)) == 7
    for papers in range(1, 400):
        size = batch_size(papers, settings)
        assert size <= 30 and math.ceil(papers / size) == math.ceil(papers / 30)


def test_economical_batches_go_concurrently(fake_server, labelled_day, astro_interests):
    day = labelled_day(DAYS[0])
    server = fake_server(latency=0.5)
    settings = judge_settings(server, max_batch_size=30)
    digest = judge_digest(settings, day, astro_interests)

    sizes = [body["messages"][1]["content"].count("<<<PAPER ") for body in server.stats.bodies]
    assert sorted(sizes) == [25, 25, 25]
    assert all(e.status == "judged" for e in [*digest.entries, *digest.unselected])
    assert server.stats.max_in_flight == 3


def _paper(pid: str) -> Paper:
    return Paper(pid, 1, f"Title {pid}", ("A. Author",), "Abstract.", ())


def test_cascade_share_cap_and_watchlist():
    papers = [_paper(f"2602.0000{i}") for i in range(10)]
    scores = {p.id: Score(p.id, float(i)) for i, p in enumerate(papers)}
    chosen, rest = cascade(papers, scores, {"2602.00000"}, None, 0.3)
    assert [p.id for p in chosen] == ["2602.00009", "2602.00008", "2602.00007", "2602.00000"]
    assert len(rest) == 6
    chosen, _ = cascade(papers, scores, set(), 2, 0.5)
    assert [p.id for p in chosen] == ["2602.00009", "2602.00008"]
    chosen, rest = cascade(papers, scores, set(), None, None)
    assert len(chosen) == 10 and rest == []


def test_requests_failing_after_the_sdk_retries_are_judge_failed(
    fake_server, labelled_day, astro_interests
):
    day = labelled_day(DAYS[0])
    server = fake_server(faults=("500",), fault_rate=1.0)
    settings = judge_settings(server, max_retries=1, batch_size=25)
    digest = judge_digest(settings, day, astro_interests)

    entries = [*digest.entries, *digest.unselected]
    assert len(entries) == len(day.listing.papers)
    assert {e.status for e in entries} == {"judge failed"}
    assert server.stats.requests == 3 * 2
    assert digest.notices[0].startswith("The judge answered for none of the 75 papers")
    assert digest.entries and all(e.relevance is None for e in digest.entries)


def test_cut_off_replies_are_asked_again_in_smaller_batches(
    fake_server, labelled_day, astro_interests
):
    day = labelled_day(DAYS[0])
    server = fake_server(faults=("truncated",), fault_rate=1.0)
    settings = judge_settings(server, batch_size=20, missing_retries=2)
    digest = judge_digest(settings, day, astro_interests)

    sizes = [body["messages"][1]["content"].count("<<<PAPER ") for body in server.stats.bodies]
    first = [size for size in sizes if size > 10]
    assert sorted(first) == [15, 20, 20, 20]
    assert len(sizes) > len(first)
    entries = [*digest.entries, *digest.unselected]
    assert len(entries) == len(day.listing.papers)
    statuses = {e.status for e in entries}
    assert statuses == {"judged", "judge failed"}
    for entry in entries:
        if entry.status == "judged":
            assert entry.relevance == day.labels[entry.paper.id].relevance
    failed = sum(e.status == "judge failed" for e in entries)
    assert digest.notices == [
        f"{failed} of {len(entries)} papers sent to the judge could not be judged (no usable "
        "answer after every retry); they are marked judge failed and keep their local ranking."
    ]


def test_replies_cut_at_the_token_limit_are_asked_again(fake_server, labelled_day, astro_interests):
    day = labelled_day(DAYS[0])
    server = fake_server()
    # About 80 reply tokens a paper do not fit an allowance of 50: every full batch is cut.
    settings = judge_settings(server, completion_tokens_per_paper=50, missing_retries=3)
    digest = judge_digest(settings, day, astro_interests)

    limits = [body["max_tokens"] for body in server.stats.bodies]
    assert limits[:3] == [64 + 50 * 25] * 3 and len(limits) > 3
    sizes = [body["messages"][1]["content"].count("<<<PAPER ") for body in server.stats.bodies]
    assert max(sizes[3:]) <= 12
    entries = [*digest.entries, *digest.unselected]
    assert sorted(e.paper.id for e in entries) == sorted(day.listing.papers)
    judged = [e for e in entries if e.status == "judged"]
    assert len(judged) > 60
    assert all(e.relevance == day.labels[e.paper.id].relevance for e in judged)


def test_default_reply_limit_holds_a_full_batch(fake_server, labelled_day, astro_interests):
    day = labelled_day(DAYS[0])
    server = fake_server()
    settings = judge_settings(server, batch_size=JudgeSettings().max_batch_size)
    digest = judge_digest(settings, day, astro_interests)
    sizes = [body["messages"][1]["content"].count("<<<PAPER ") for body in server.stats.bodies]
    assert sorted(sizes) == [15, 30, 30]
    assert all(e.status == "judged" for e in [*digest.entries, *digest.unselected])


def test_papers_missed_by_several_replies_are_asked_again_together(
    fake_server, labelled_day, astro_interests
):
    day = labelled_day(DAYS[0])
    server = fake_server(faults=("missing",), fault_rate=1.0)
    settings = judge_settings(server, missing_retries=2)
    digest = judge_digest(settings, day, astro_interests)

    sizes = [body["messages"][1]["content"].count("<<<PAPER ") for body in server.stats.bodies]
    assert sizes == [25, 25, 25, 24, 8]
    entries = [*digest.entries, *digest.unselected]
    assert sorted(e.paper.id for e in entries) == sorted(day.listing.papers)
    assert sum(e.status == "judge failed" for e in entries) == 3
