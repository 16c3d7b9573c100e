"""Slack delivery through the real slack_sdk clients, against a Slack-like server on 127.0.0.1."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from deliver_support import WEBHOOK_PATH, Reply, SlackServer
from pydantic import SecretStr

from papersift.config import SlackSettings
from papersift.deliver.slack import (
    MAX_BLOCKS,
    MAX_TEXT,
    chunk_blocks,
    deliver_slack,
    escape_mrkdwn,
    slack_blocks,
)
from papersift.errors import DeliveryError


def _webhook(server: SlackServer, **changes: Any) -> SlackSettings:
    return SlackSettings(webhook_url=SecretStr(server.webhook_url), **changes)


def _texts(blocks: list[dict[str, Any]]) -> list[str]:
    texts = []
    for block in blocks:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts += [element["text"] for element in block.get("elements", [])]
    return texts


def test_webhook_posts_the_top_papers_as_blocks(
    slack_server: SlackServer, demo_document: dict[str, Any]
) -> None:
    sent = deliver_slack(demo_document, _webhook(slack_server, top=5))
    assert sent == 1
    (request,) = slack_server.requests
    assert request.path == WEBHOOK_PATH
    blocks = request.body["blocks"]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "arXiv digest 2026-05-26"},
    }
    sections = [block for block in blocks if block["type"] == "section"]
    assert len(sections) == 5
    for rank, (section, paper) in enumerate(
        zip(sections, demo_document["papers"], strict=False), 1
    ):
        text = section["text"]["text"]
        assert text.startswith(f"*{rank}. <{paper['abs_url']}|")
        assert f"<{paper['pdf_url']}|PDF>" in text
        assert f"local score {paper['score']:.2f}" in text
    assert "10 more in the digest." in _texts(blocks)[-1]
    assert request.body["text"] == "arXiv digest 2026-05-26: 15 papers"


def test_a_long_digest_is_split_under_fifty_blocks_a_message(
    slack_server: SlackServer, demo_document: dict[str, Any]
) -> None:
    many = {**demo_document, "papers": demo_document["papers"] * 3}
    sent = deliver_slack(many, _webhook(slack_server, top=45))
    assert sent == 2
    bodies = [request.body for request in slack_server.requests]
    assert all(len(body["blocks"]) <= MAX_BLOCKS for body in bodies)
    assert bodies[1]["blocks"][0]["type"] != "divider"
    assert [body["text"][-5:] for body in bodies] == ["(1/2)", "(2/2)"]
    sections = [b for body in bodies for b in body["blocks"] if b["type"] == "section"]
    assert len(sections) == 45
    assert [s["text"]["text"].split(".", 1)[0] for s in sections] == [f"*{n}" for n in range(1, 46)]


def test_chunks_respect_any_limit() -> None:
    blocks = [{"type": "divider"} if n % 2 else {"type": "section"} for n in range(23)]
    chunks = chunk_blocks(blocks, limit=5)
    assert all(1 <= len(chunk) <= 5 for chunk in chunks)
    assert all(chunk[0]["type"] != "divider" for chunk in chunks)
    dropped = 23 - sum(len(chunk) for chunk in chunks)
    assert 0 <= dropped <= len(chunks) - 1  # only a divider that would open a message goes
    assert [b for c in chunks for b in c if b["type"] == "section"] == blocks[::2]


def test_text_blocks_stay_under_three_thousand_characters(demo_document: dict[str, Any]) -> None:
    paper = {
        **demo_document["papers"][0],
        "title": "A very long title " * 300,
        "authors": [f"Author Number{n}" for n in range(400)],
        "topic": "t" * 5000,
    }
    blocks = slack_blocks({**demo_document, "papers": [paper], "profile": "p" * 4000}, top=1)
    for text in _texts(blocks):
        assert len(text) <= MAX_TEXT
    assert any(text.endswith("…") for text in _texts(blocks))


def test_paper_text_cannot_ping_or_forge_links(hostile_document: dict[str, Any]) -> None:
    text = "\n".join(_texts(slack_blocks(hostile_document, top=10)))
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    assert "&lt;@U123&gt;" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>" not in text and "<img" not in text
    assert escape_mrkdwn("a & <b> c") == "a &amp; &lt;b&gt; c"


def test_429_waits_for_retry_after_then_sends(
    slack_server: SlackServer, demo_document: dict[str, Any]
) -> None:
    slack_server.replies = [Reply(429, "rate_limited", {"Retry-After": "1"})]
    assert deliver_slack(demo_document, _webhook(slack_server, top=3)) == 1
    first, second = slack_server.requests
    assert second.at - first.at >= 1.0
    assert first.body == second.body


def test_500_is_retried(slack_server: SlackServer, demo_document: dict[str, Any]) -> None:
    slack_server.replies = [Reply(500, "internal_error")]
    assert deliver_slack(demo_document, _webhook(slack_server, top=3)) == 1
    assert len(slack_server.requests) == 2


def test_a_lasting_failure_is_an_error_that_hides_the_webhook(
    slack_server: SlackServer, demo_document: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    slack_server.replies = [Reply(500, "internal_error")] * 3
    with caplog.at_level(logging.DEBUG), pytest.raises(DeliveryError) as caught:
        deliver_slack(demo_document, _webhook(slack_server, top=3, retries=2))
    assert len(slack_server.requests) == 3
    assert "the webhook answered 500" in caught.value.message
    assert "papersift deliver --retry" in str(caught.value.hint)
    assert "hook-secret" not in str(caught.value)
    assert "hook-secret" not in caplog.text


def test_a_refused_webhook_is_not_retried(
    slack_server: SlackServer, demo_document: dict[str, Any]
) -> None:
    slack_server.replies = [Reply(404, "no_service")]
    with pytest.raises(DeliveryError, match="404"):
        deliver_slack(demo_document, _webhook(slack_server))
    assert len(slack_server.requests) == 1


def test_bot_token_posts_to_the_channel(
    slack_server: SlackServer, demo_document: dict[str, Any]
) -> None:
    settings = SlackSettings(
        bot_token=SecretStr(slack_server.token), channel="#papers", api_url=slack_server.api_url
    )
    assert deliver_slack(demo_document, settings) == 1
    (request,) = slack_server.requests
    assert request.path == "/api/chat.postMessage"
    assert request.headers["Authorization"] == f"Bearer {slack_server.token}"
    assert request.body["channel"] == "#papers"
    assert len([b for b in request.body["blocks"] if b["type"] == "section"]) == 10


def test_bot_errors_name_slacks_error_code(
    slack_server: SlackServer, demo_document: dict[str, Any]
) -> None:
    settings = SlackSettings(
        bot_token=SecretStr("xoxb-wrong"), channel="#papers", api_url=slack_server.api_url
    )
    with pytest.raises(DeliveryError, match="invalid_auth") as caught:
        deliver_slack(demo_document, settings)
    assert "xoxb-wrong" not in str(caught.value)
    slack_server.replies = [Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "0"})]
    settings = settings.model_copy(update={"bot_token": SecretStr(slack_server.token)})
    assert deliver_slack(demo_document, settings) == 1


def test_an_unreachable_server_is_a_delivery_error(demo_document: dict[str, Any]) -> None:
    server = SlackServer()
    url = server.webhook_url
    server.close()
    settings = SlackSettings(webhook_url=SecretStr(url), retries=0)
    with pytest.raises(DeliveryError, match="could not be reached"):
        deliver_slack(demo_document, settings)


def test_a_malformed_webhook_url_is_not_echoed(demo_document: dict[str, Any]) -> None:
    settings = SlackSettings(webhook_url=SecretStr("hooks.example/zz-secret-91"), retries=0)
    with pytest.raises(DeliveryError) as caught:
        deliver_slack(demo_document, settings)
    assert "zz-secret-91" not in str(caught.value)
