"""``papersift run`` with every output and delivery configured, then ``deliver --retry``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from deliver_support import Mailbox, Reply, SlackServer, free_port

from papersift.store import Store
from web_support import DEMO_FEED, HOSTILE_FEED, papersift, write_config

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")


@pytest.fixture
def smtp() -> Iterator[tuple[int, Mailbox]]:
    mailbox = Mailbox()
    controller = aiosmtpd_controller.Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, mailbox
    controller.stop()


def _config(folder: Path, slack: SlackServer, port: int, recipients: list[str]) -> Path:
    return write_config(
        folder,
        f"""
[site]
enabled = true
base_url = "https://example.org/papers/"

[slack]
webhook_url = {json.dumps(slack.webhook_url)}
top = 5
retries = 1

[email]
host = "127.0.0.1"
port = {port}
security = "none"
sender = "digest@papersift.test"
recipients = {json.dumps(recipients)}
""",
    )


def _log(folder: Path) -> list[dict[str, Any]]:
    """The delivery records in the run's database (``[store] path`` of the test's config)."""
    with Store.open(folder / "papersift.sqlite3", readonly=True) as store:
        rows = store.connection.execute(
            "SELECT channel, target, status, attempts FROM deliveries ORDER BY delivery_id"
        ).fetchall()
    return [
        dict(zip(("channel", "target", "status", "attempts"), row, strict=True)) for row in rows
    ]


def test_one_run_writes_everything_and_delivers(
    tmp_path: Path, slack_server: SlackServer, smtp: tuple[int, Mailbox]
) -> None:
    port, mailbox = smtp
    config = _config(tmp_path, slack_server, port, ["ada@example.test"])
    result = papersift("-q", "run", "--from-file", str(HOSTILE_FEED), "--config", str(config))
    assert "Digest written to" in result.stdout
    out = tmp_path / "out"
    for name in ["2026-05-27.md", "2026-05-27.json", "2026-05-27.html"]:
        assert (out / "2026-05" / name).is_file(), name
    assert (out / "latest.html").is_file() and (out / "assets" / "katex" / "katex.min.js").is_file()
    site = out / "site"
    assert (site / "index.html").is_file() and (site / "2026-05" / "2026-05-27.html").is_file()
    assert len(feedparser.parse((site / "feed.xml").read_bytes()).entries) == 4
    (request,) = slack_server.requests
    assert "https://example.org/papers/2026-05/2026-05-27.html" in json.dumps(request.body)
    ((recipients, message, _),) = mailbox.messages
    assert recipients == ["ada@example.test"]
    assert (
        "https://example.org/papers/2026-05/2026-05-27.html"
        in message.get_body(("plain",)).get_content()
    )
    assert [(r["channel"], r["target"], r["status"]) for r in _log(tmp_path)] == [
        ("slack", "webhook", "sent"),
        ("email", "ada@example.test", "sent"),
    ]


def test_failed_deliveries_exit_1_keep_the_digest_and_are_retried(
    tmp_path: Path, slack_server: SlackServer, smtp: tuple[int, Mailbox]
) -> None:
    port, mailbox = smtp
    config = _config(tmp_path, slack_server, port, ["ada@example.test", "refused@example.test"])
    slack_server.replies = [Reply(500, "internal_error")] * 2
    result = papersift("run", "--from-file", str(DEMO_FEED), "--config", str(config), check=False)
    assert result.returncode == 1, result.stderr
    assert "Digest written to" in result.stdout
    assert "2 deliveries failed (the digest files were written)" in result.stderr
    assert "slack webhook: Slack delivery failed: the webhook answered 500" in result.stderr
    assert "email refused@example.test: refused: 550" in result.stderr
    assert "papersift deliver --retry" in result.stderr
    out = tmp_path / "out"
    assert (
        json.loads((out / "2026-05" / "2026-05-26.json").read_text())["totals"]["relevant_papers"]
        == 15
    )
    assert (out / "site" / "2026-05" / "2026-05-26.html").is_file()
    assert len(mailbox.messages) == 1
    statuses = [(r["target"], r["status"], r["attempts"]) for r in _log(tmp_path)]
    assert statuses == [
        ("webhook", "failed", 1),
        ("ada@example.test", "sent", 1),
        ("refused@example.test", "failed", 1),
    ]

    retry = papersift("deliver", "--retry", "--config", str(config), check=False)
    assert retry.returncode == 1
    assert "sent: slack webhook (2026-05-26)" in retry.stdout
    assert "failed: email refused@example.test (2026-05-26)" in retry.stdout
    assert len(slack_server.requests) == 3
    assert [recipients for recipients, _, _ in mailbox.messages] == [["ada@example.test"]]

    fixed = config.read_text().replace('"refused@example.test"', '"carol@example.test"')
    config.write_text(fixed)
    again = papersift("deliver", "--retry", "--config", str(config))
    assert "No failed delivery to send again." in again.stdout
    assert "email refused@example.test: it is no longer configured" in again.stderr
    assert len(mailbox.messages) == 1 and len(slack_server.requests) == 3


def test_deliver_sends_the_latest_digest_and_retry_with_nothing_failed(
    tmp_path: Path, slack_server: SlackServer, smtp: tuple[int, Mailbox]
) -> None:
    port, mailbox = smtp
    config = _config(tmp_path, slack_server, port, ["ada@example.test"])
    config.write_text(config.read_text().replace("enabled = true", "enabled = false"))
    papersift("-q", "run", "--from-file", str(DEMO_FEED), "--config", str(config))
    papersift("-q", "run", "--from-file", str(HOSTILE_FEED), "--config", str(config))
    assert len(slack_server.requests) == 2
    result = papersift("deliver", "--config", str(config))
    assert "sent: slack webhook (2026-05-27)" in result.stdout
    assert "sent: email ada@example.test (2026-05-27)" in result.stdout
    result = papersift("deliver", "--date", "2026-05-26", "--config", str(config))
    assert "(2026-05-26)" in result.stdout
    assert papersift("deliver", "--retry", "--config", str(config)).stdout.startswith(
        "No failed delivery to send again."
    )
    missing = papersift("deliver", "--date", "2026-05-20", "--config", str(config), check=False)
    assert missing.returncode == 2 and "The digest of 2026-05-20 is not at" in missing.stderr
    assert len(mailbox.messages) == 4


def test_secrets_never_reach_outputs_logs_or_messages(
    tmp_path: Path, slack_server: SlackServer, smtp: tuple[int, Mailbox]
) -> None:
    port, _ = smtp
    config = _config(tmp_path, slack_server, port, ["ada@example.test"])
    text = config.read_text() + 'user = "reader"\npassword = "pw-never-shown-91"\n'
    config.write_text(text)
    slack_server.replies = [Reply(500, "internal_error")] * 2
    result = papersift(
        "-vv", "run", "--from-file", str(HOSTILE_FEED), "--config", str(config), check=False
    )
    assert result.returncode == 1
    seen = result.stdout + result.stderr
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file() and path.suffix in {".md", ".json", ".jsonl", ".html", ".xml", ".js"}:
            seen += path.read_text(encoding="utf-8")
    for database in tmp_path.glob("papersift.sqlite3*"):
        seen += database.read_bytes().decode("latin-1")
    assert "hook-secret" not in seen
    assert "pw-never-shown-91" not in seen
    assert "webhook" in seen  # the target is named, the URL is not


def test_no_delivery_configured_is_a_config_error(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    result = papersift("deliver", "--retry", "--config", str(config), check=False)
    assert result.returncode == 2
    assert "No delivery is configured." in result.stderr
    assert "SLACK_WEBHOOK_URL" in result.stderr


def test_a_site_without_json_digests_is_a_config_error(tmp_path: Path) -> None:
    config = write_config(tmp_path, "[site]\nenabled = true\n")
    config.write_text(config.read_text().replace('["markdown", "json", "html"]', '["markdown"]'))
    result = papersift(
        "run", "--from-file", str(HOSTILE_FEED), "--config", str(config), check=False
    )
    assert result.returncode == 2
    assert "[site] enabled needs the JSON digests" in result.stderr
    assert 'Add "json" to [output] formats' in result.stderr
