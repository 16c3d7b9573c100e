"""A digest split over several Slack messages that fails part way: the retry posts only the rest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from deliver_support import Reply, SlackServer

from papersift.config import Settings
from papersift.deliver import deliver_document, retry_deliveries
from papersift.deliver.base import JsonlDeliveryLog
from papersift.store import Store


def _settings(server: SlackServer, document: dict[str, Any]) -> Settings:
    return Settings.model_validate(
        {
            "profile": {"name": document["profile"]},
            "slack": {"webhook_url": server.webhook_url, "top": 45, "retries": 0},
        }
    )


def _long_day(out: Path, document: dict[str, Any]) -> dict[str, Any]:
    """The demo day with its papers three times over: 45 papers, two Slack messages."""
    long = {**document, "papers": document["papers"] * 3}
    folder = out / document["date"][:7]
    folder.mkdir(parents=True)
    (folder / f"{document['date']}.json").write_text(json.dumps(long), encoding="utf-8")
    return long


def _parts(server: SlackServer) -> list[str]:
    return [request.body["text"].rsplit(" ", 1)[-1] for request in server.requests]


@pytest.mark.parametrize("kept_in", ["store", "file"])
def test_retry_posts_only_the_messages_that_did_not_go_through(
    tmp_path: Path, slack_server: SlackServer, demo_document: dict[str, Any], kept_in: str
) -> None:
    out = tmp_path / "out"
    document = _long_day(out, demo_document)
    settings = _settings(slack_server, document)
    store = Store.open(tmp_path / "papersift.sqlite3") if kept_in == "store" else None
    log = store if store is not None else JsonlDeliveryLog(out / "deliveries.jsonl")
    try:
        slack_server.replies = [Reply(200, "ok"), Reply(500, "internal_error")]
        (record,) = deliver_document(document, settings, log)
        assert record.status == "failed" and record.parts_sent == 1
        assert "Message 1 of 2 was posted; a retry posts only the rest." in record.last_error
        assert _parts(slack_server) == ["(1/2)", "(2/2)"]

        (again,) = retry_deliveries(settings, log, out)
        assert again.status == "sent" and again.attempts == 2 and again.parts_sent == 0
        # Only the second message is posted again; the first is in the channel once.
        assert _parts(slack_server) == ["(1/2)", "(2/2)", "(2/2)"]
        assert retry_deliveries(settings, log, out) == []
    finally:
        if store is not None:
            store.close()


def _failed_part_way(
    out: Path, server: SlackServer, document: dict[str, Any], *failures: Reply
) -> tuple[Settings, JsonlDeliveryLog]:
    """Deliver the long day with its second message refused, then ``failures`` more refusals."""
    long = _long_day(out, document)
    settings = _settings(server, long)
    log = JsonlDeliveryLog(out / "deliveries.jsonl")
    server.replies = [Reply(200, "ok"), Reply(500, "internal_error"), *failures]
    deliver_document(long, settings, log)
    return settings, log


def test_a_retry_that_fails_again_keeps_count_of_what_went_through(
    tmp_path: Path, slack_server: SlackServer, demo_document: dict[str, Any]
) -> None:
    out = tmp_path / "out"
    settings, log = _failed_part_way(out, slack_server, demo_document, Reply(500, "again"))
    (failed,) = retry_deliveries(settings, log, out)
    assert failed.status == "failed" and failed.parts_sent == 1 and failed.attempts == 2
    (sent,) = retry_deliveries(settings, log, out)
    assert sent.status == "sent" and sent.attempts == 3
    assert _parts(slack_server) == ["(1/2)", "(2/2)", "(2/2)", "(2/2)"]


def test_a_digest_that_now_splits_differently_is_posted_whole(
    tmp_path: Path, slack_server: SlackServer, demo_document: dict[str, Any]
) -> None:
    out = tmp_path / "out"
    settings, log = _failed_part_way(out, slack_server, demo_document)
    fewer = settings.model_copy(update={"slack": settings.slack.model_copy(update={"top": 5})})
    (sent,) = retry_deliveries(fewer, log, out)
    assert sent.status == "sent"
    assert slack_server.requests[-1].body["text"] == "arXiv digest 2026-05-26: 45 papers"
