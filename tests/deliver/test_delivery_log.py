"""The JSON Lines delivery log."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest

from papersift.deliver.base import Delivery, DeliveryLog, JsonlDeliveryLog
from papersift.errors import StoreError

DAY = dt.date(2026, 5, 26)


def _record(target: str, status: str = "failed", **changes: object) -> Delivery:
    values: dict[str, object] = {
        "channel": "email",
        "target": target,
        "status": status,
        "digest_date": DAY,
        "profile": "demo",
        "last_error": "refused: 550" if status == "failed" else "",
    }
    return Delivery(**(values | changes))  # type: ignore[arg-type]


def test_records_round_trip(tmp_path: Path) -> None:
    log = JsonlDeliveryLog(tmp_path / "deliveries.jsonl")
    record = _record("ada@example.test", attempts=2)
    log.save_delivery(record)
    assert log.load_deliveries() == [record]


def test_only_the_latest_record_of_a_delivery_counts(tmp_path: Path) -> None:
    log: DeliveryLog = JsonlDeliveryLog(tmp_path / "deliveries.jsonl")
    first = _record("ada@example.test")
    log.save_delivery(first)
    log.save_delivery(_record("bo@example.test"))
    log.save_delivery(_record("carol@example.test", status="sent"))
    log.save_delivery(first.retried("sent"))
    log.save_delivery(_record("bo@example.test", digest_date=dt.date(2026, 5, 27)))
    failed = log.load_failed_deliveries()
    assert [(r.target, r.digest_date) for r in failed] == [
        ("bo@example.test", DAY),
        ("bo@example.test", dt.date(2026, 5, 27)),
    ]


def test_retried_counts_attempts_and_clears_the_error() -> None:
    record = _record("ada@example.test")
    again = record.retried("failed", "timed out").retried("sent")
    assert again.attempts == 3 and again.status == "sent" and again.last_error == ""
    assert again.key == record.key


def test_a_damaged_line_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "deliveries.jsonl"
    log = JsonlDeliveryLog(path)
    log.save_delivery(_record("ada@example.test"))
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"channel": "pigeon"}\n{not json\n')
    log.save_delivery(_record("bo@example.test"))
    with caplog.at_level(logging.WARNING):
        assert [r.target for r in log.load_failed_deliveries()] == [
            "ada@example.test",
            "bo@example.test",
        ]
    assert "line 2" in caplog.text and "line 3" in caplog.text


def test_an_unwritable_log_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    log = JsonlDeliveryLog(blocker / "deliveries.jsonl")
    with pytest.raises(StoreError, match="Cannot record the delivery"):
        log.save_delivery(_record("ada@example.test"))


def test_a_missing_log_has_no_failures(tmp_path: Path) -> None:
    assert JsonlDeliveryLog(tmp_path / "absent.jsonl").load_failed_deliveries() == []
