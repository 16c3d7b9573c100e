"""Rendered outputs of one fixed digest, compared with the files in tests/fixtures/snapshots.

After a deliberate change of a template, run with ``PAPERSIFT_UPDATE_SNAPSHOTS=1`` to rewrite
them, and read the diff before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from papersift.config import SlackSettings
from papersift.deliver.email import plain_text
from papersift.deliver.slack import slack_messages
from papersift.render.html import render_email_html, render_html
from papersift.render.json import digest_to_dict
from web_support import FIXTURES, sample_digest

SNAPSHOTS = FIXTURES / "snapshots"


def _check(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("PAPERSIFT_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
    if not path.exists():
        pytest.fail(f"no snapshot {path.name}; run with PAPERSIFT_UPDATE_SNAPSHOTS=1 to make it")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed"


def test_day_page_snapshot() -> None:
    _check("day-page.html", render_html(sample_digest(), root="../"))


def test_email_snapshot() -> None:
    document = digest_to_dict(sample_digest())
    _check("email.html", render_email_html(document, "https://example.org/d.html"))
    _check("email.txt", plain_text(document, "https://example.org/d.html"))


def test_slack_snapshot() -> None:
    messages = slack_messages(
        digest_to_dict(sample_digest()), SlackSettings(site_url="https://example.org/d.html")
    )
    payload = [{"text": m.text, "blocks": m.blocks} for m in messages]
    _check("slack.json", json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def test_snapshots_are_all_used() -> None:
    used = {"day-page.html", "email.html", "email.txt", "slack.json"}
    assert {path.name for path in Path(SNAPSHOTS).iterdir()} == used
