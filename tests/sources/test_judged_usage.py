"""The recorded token usage read beside labelled days."""

from __future__ import annotations

import datetime as dt
import json
import logging

from papersift.sources.judged import load_recorded_usage


def test_recorded_usage_is_read_per_day(tmp_path) -> None:
    manifest = {
        "days": [
            {"date": "2026-02-11", "recorded_usage": {"total_tokens": 49708}},
            {"date": "2026-02-12"},
        ]
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert load_recorded_usage(tmp_path) == {dt.date(2026, 2, 11): 49708}


def test_no_manifest_means_no_recorded_usage(tmp_path) -> None:
    assert load_recorded_usage(tmp_path) == {}


def test_a_broken_manifest_is_ignored_with_a_warning(tmp_path, caplog) -> None:
    for text in (
        '{"days": [{"date": "yesterday", "recorded_usage": {"total_tokens": 5}}]}',
        "{not json",
        "[1]",
    ):
        (tmp_path / "manifest.json").write_text(text, encoding="utf-8")
        with caplog.at_level(logging.WARNING):
            assert load_recorded_usage(tmp_path) == {}
        assert "Ignoring the recorded token usage" in caplog.text
        caplog.clear()
