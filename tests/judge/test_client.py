"""The client against the replay server, through the real openai SDK over HTTP."""

from __future__ import annotations

import asyncio
import time

import pytest
from judge_helpers import DAYS, judge_digest, judge_settings

from papersift.config import JudgeSettings
from papersift.errors import JudgeError
from papersift.judge.client import JudgeClient, RequestFailed
from papersift.judge.parse import parse_reply
from papersift.judge.prompts import PromptTexts, build_pass_prompt, load_prompt_texts


def _ask(settings: JudgeSettings, papers) -> object:
    texts = load_prompt_texts(settings)
    prompt = build_pass_prompt(texts, "Dwarf galaxies.", "abstract", True)

    async def go():
        client = JudgeClient(settings)
        try:
            return await client.complete(
                prompt.static, prompt.user_message(papers), prompt.response_format(), 2000
            )
        finally:
            await client.aclose()

    return asyncio.run(go()), prompt


def _settings(server, **values) -> JudgeSettings:
    base = {"enabled": True, "model": "gpt-4.1", "base_url": server.base_url, "api_key": "k"}
    return JudgeSettings.model_validate({**base, **values})


def test_reply_replays_the_recorded_judgments(fake_server, labelled_day):
    day = labelled_day(DAYS[0])
    papers = day.papers[:5]
    server = fake_server()
    reply, prompt = _ask(_settings(server), papers)

    parsed = parse_reply(reply.text, [p.id for p in papers], prompt.fields)
    for paper in papers:
        assert parsed.items[paper.id].relevance == day.labels[paper.id].relevance
    assert reply.finish_reason == "stop"
    assert reply.prompt_tokens == server.stats.prompt_tokens > 0
    assert server.stats.bodies[0]["response_format"]["type"] == "json_schema"


def test_prompt_cache_reported_on_repeated_static_part(fake_server, labelled_day):
    day = labelled_day(DAYS[0])
    server = fake_server()
    texts = load_prompt_texts(JudgeSettings())
    long_interests = " ".join(["dwarf galaxies and their star formation histories"] * 200)
    prompt = build_pass_prompt(texts, long_interests, "abstract", False)
    settings = _settings(server)

    async def go():
        client = JudgeClient(settings)
        try:
            first = await client.complete(
                prompt.static, prompt.user_message(day.papers[:2]), None, 900
            )
            second = await client.complete(
                prompt.static, prompt.user_message(day.papers[2:4]), None, 900
            )
        finally:
            await client.aclose()
        return first, second

    first, second = asyncio.run(go())
    assert first.cached_tokens == 0
    assert second.cached_tokens >= 1024


def test_invalid_key_is_reported_once(fake_server, labelled_day):
    server = fake_server(api_key="the-right-key")
    with pytest.raises(JudgeError, match="refused the API key") as caught:
        _ask(_settings(server, api_key="wrong", max_retries=5), labelled_day(DAYS[0]).papers[:2])
    assert server.stats.requests == 1
    assert "OPENAI_API_KEY" in str(caught.value)


def test_exhausted_quota_is_reported_at_once(fake_server, labelled_day):
    server = fake_server(quota_exhausted=True)
    with pytest.raises(JudgeError, match="quota is exhausted"):
        _ask(_settings(server, max_retries=5), labelled_day(DAYS[0]).papers[:2])
    assert server.stats.requests == 1


def test_invalid_key_stops_the_day_with_one_request(fake_server, labelled_day, astro_interests):
    server = fake_server(api_key="the-right-key")
    settings = judge_settings(server, api_key="wrong", concurrency=1, max_retries=5)
    with pytest.raises(JudgeError):
        judge_digest(settings, labelled_day(DAYS[0]), astro_interests)
    assert server.stats.requests == 1


def test_rate_limit_is_retried_after_retry_after(fake_server, labelled_day):
    server = fake_server(faults=("429",), fault_rate=0.6, seed=3, retry_after=0.3)
    started = time.monotonic()
    reply, _ = _ask(_settings(server, max_retries=8), labelled_day(DAYS[0]).papers[:2])
    elapsed = time.monotonic() - started
    throttled = server.stats.statuses[429]
    assert throttled >= 1
    assert reply.text
    assert elapsed >= 0.3 * throttled * 0.9


def test_server_errors_and_time_outs_are_retried(fake_server, labelled_day):
    server = fake_server(faults=("500", "timeout"), fault_rate=0.5, seed=1, hang=2.0)
    reply, _ = _ask(
        _settings(server, max_retries=10, timeout=0.5), labelled_day(DAYS[0]).papers[:2]
    )
    assert reply.text
    assert server.stats.requests > 1


def test_retries_exhausted_is_a_request_failure(fake_server, labelled_day):
    server = fake_server(faults=("500",), fault_rate=1.0)
    with pytest.raises(RequestFailed):
        _ask(_settings(server, max_retries=1), labelled_day(DAYS[0]).papers[:2])
    assert server.stats.requests == 2


def test_no_key_for_the_openai_endpoint_is_a_clear_error():
    with pytest.raises(JudgeError, match="no API key"):
        JudgeClient(JudgeSettings(enabled=True))


def test_prompt_override_files_are_used(tmp_path):
    (tmp_path / "system.md").write_text("Only my own words.")
    settings = JudgeSettings(system_prompt=tmp_path / "system.md")
    texts = load_prompt_texts(settings)
    assert texts.system == "Only my own words."
    default = build_pass_prompt(load_prompt_texts(JudgeSettings()), "x", "abstract", True)
    custom = build_pass_prompt(texts, "x", "abstract", True)
    assert custom.static.startswith("Only my own words.")
    assert custom.prompt_hash != default.prompt_hash
    assert isinstance(texts, PromptTexts)
