"""One judged run's tokens and cost agree in the digest header, digest.json, the judge's log line
and ``papersift history``, also when replies miss papers and some end judge failed."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from pathlib import Path

from store_helpers import papersift, run_demo
from test_store_judged_runs import judge_config, recorded_judgments

from papersift.testing.fake_openai import FakeOpenAI, ServerOptions

MODEL = "gpt-4.1"


def _judged_run(
    folder: Path, db: Path, options: ServerOptions, judge_extra: str = ""
) -> dict[str, object]:
    """Run the demo day against a replay server; every place the run's totals are reported."""
    server = FakeOpenAI(recorded_judgments(), options).start()
    try:
        config = judge_config(folder, server.base_url)
        with config.open("a", encoding="utf-8") as file:
            file.write(judge_extra)
        result = run_demo(config, db, OPENAI_API_KEY="test-key", COLUMNS="400")
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    log = re.search(
        rf"Judge {MODEL}: (\d+) of \d+ papers judged .*?(\d+) failed\), \d+ request\(s\), "
        r"(\d+) prompt \+ (\d+) completion tokens, \$([\d.]+)",
        result.stderr,
    )
    assert log, result.stderr
    out = folder / "out" / "2026-05"
    markdown = (out / "2026-05-26.md").read_text()
    tokens = re.search(r"\| \*\*Token\*\* \| (\d+) \| (\d+) \| (\d+) \|", markdown)
    costs = re.search(r"\| \*\*Cost\*\* \| \$([\d.]+) \| \$([\d.]+) \| \$([\d.]+) \|", markdown)
    assert tokens and costs, markdown[:600]
    (usage,) = [u for u in json.loads((out / "2026-05-26.json").read_text())["usage"]]
    history = papersift("--db", str(db), "history", cwd=folder).stdout.splitlines()[1]
    row = re.match(
        r"\s*\d+\s+2026-05-26\s+judged\s+ok\s+\d+\s+\d+\s+\d+\s+(\d+)\s+\$([\d.]+)", history
    )
    assert row, history
    return {
        "failed": int(log.group(2)),
        "log": (int(log.group(3)) + int(log.group(4)), log.group(5)),
        "server": server.stats.prompt_tokens + server.stats.completion_tokens,
        "markdown": (int(tokens.group(3)), costs.group(3)),
        "markdown_split": (int(tokens.group(1)), int(tokens.group(2))),
        "json": (usage["total_tokens"], usage["cost_usd"]),
        "history": (int(row.group(1)), row.group(2)),
        "log_split": (int(log.group(3)), int(log.group(4))),
    }


def _stored_tokens(db: Path) -> int:
    uri = f"{db.as_uri()}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
        (total,) = connection.execute(
            "SELECT sum(prompt_tokens + completion_tokens) FROM judgments"
        ).fetchone()
    return total


def test_totals_agree_when_replies_miss_papers(tmp_path: Path) -> None:
    db = tmp_path / "papersift.sqlite3"
    # Spread batching asks each reply's missed papers again on their own, down to replies about
    # a single paper that judge nobody; economical batching packs them together.
    first = _judged_run(
        tmp_path,
        db,
        ServerOptions(faults=("missing",), fault_rate=1.0),
        'batching = "spread"\n',
    )
    assert first["failed"] > 0
    spent, cost = first["log"]
    assert spent == first["server"]
    assert first["markdown_split"] == first["log_split"]
    assert first["markdown"] == (spent, cost)
    assert first["json"][0] == spent and f"{first['json'][1]:.4f}" == cost
    assert first["history"] == (spent, cost)
    # More was paid than the saved judgments carry: the replies that judged nobody.
    assert _stored_tokens(db) < spent

    # A rerun against a healthy server asks again only for the papers that failed; the digest
    # reports every judgment it rests on, and history what the rerun itself spent.
    again = _judged_run(tmp_path, db, ServerOptions())
    assert again["failed"] == 0
    assert again["history"] == again["log"]
    assert 0 < again["log"][0] == again["server"] < spent
    assert again["markdown"][0] == again["json"][0] == _stored_tokens(db)


def test_totals_agree_on_a_clean_run_and_a_rerun_spends_nothing(tmp_path: Path) -> None:
    db = tmp_path / "papersift.sqlite3"
    first = _judged_run(tmp_path, db, ServerOptions())
    spent, cost = first["log"]
    assert first["failed"] == 0 and spent == first["server"] == _stored_tokens(db)
    assert first["markdown"] == (spent, cost)
    assert first["history"] == (spent, cost) and first["json"][0] == spent
    again = _judged_run(tmp_path, db, ServerOptions())
    assert again["log"] == (0, "0.0000") and again["history"] == (0, "0.0000")
    assert again["markdown"] == first["markdown"] and again["json"] == first["json"]
