"""The store as the delivery log: latest state per (channel, target, date, profile)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from papersift.store import Store

base = pytest.importorskip("papersift.deliver.base")

DAY = dt.date(2026, 5, 26)


def test_failed_deliveries_are_listed_until_sent(tmp_path: Path) -> None:
    log: base.DeliveryLog = Store.open(tmp_path / "papersift.sqlite3")
    with log:
        failed = base.Delivery("slack", "#papers", "failed", DAY, "p", 1, "HTTP 500")
        sent = base.Delivery("email", "me@example.org", "sent", DAY, "p")
        log.save_delivery(failed)
        log.save_delivery(sent)
        (waiting,) = log.load_failed_deliveries()
        assert waiting.key == failed.key and waiting.attempts == 1
        assert waiting.last_error == "HTTP 500" and waiting.at == failed.at

        log.save_delivery(waiting.retried("failed", "HTTP 502"))
        (again,) = log.load_failed_deliveries()
        assert again.attempts == 2 and again.last_error == "HTTP 502"

        log.save_delivery(again.retried("sent"))
        assert log.load_failed_deliveries() == []
        row = log.connection.execute(
            "SELECT status, attempts FROM deliveries WHERE channel = 'slack'"
        ).fetchone()
        assert row == ("sent", 3)
        assert log.counts()["deliveries"] == 2
