"""A run that fails after judging shows in ``history`` what its committed judgments cost."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from papersift.cli import main
from papersift.config import load_settings
from papersift.errors import JudgeError
from papersift.models import Judgment
from papersift.store import Store
from papersift.store.history import load_runs
from papersift.store.runs import RunRecord

DAY = dt.date(2026, 5, 26)


def _judgment(paper_id: str, tokens: int) -> Judgment:
    return Judgment(
        paper_id,
        1,
        "gpt-4.1",
        "hash",
        7,
        5,
        "Fits.",
        prompt_tokens=tokens,
        completion_tokens=10,
        cost=0.001,
    )


def test_a_run_failed_at_the_judge_keeps_its_papers_and_spend(
    run_config: Path, tmp_path: Path
) -> None:
    settings = load_settings(run_config)
    db = tmp_path / "papersift.sqlite3"
    with Store.open(db) as store:
        with pytest.raises(JudgeError), RunRecord(store, settings, None, False) as record:
            record.note_listing(DAY, 75)
            store.save_judgments([_judgment("2605.00001", 100), _judgment("2605.00002", 120)])
            raise JudgeError("The judge endpoint reports the account's quota is exhausted.")
        (run,) = load_runs(store)
    assert (run.status, run.date, run.papers) == ("failed", DAY.isoformat(), 75)
    assert (run.prompt_tokens, run.completion_tokens) == (220, 20)
    assert run.cost == pytest.approx(0.002)

    listed = CliRunner().invoke(main, ["--db", str(db), "history", "--config", str(run_config)])
    assert listed.exit_code == 0, listed.output
    row = next(line.split() for line in listed.output.splitlines() if line.split()[:1] == ["1"])
    assert row[3] == "failed" and row[4] == "75" and row[7] == "240" and row[8] == "$0.0020"
    assert "failed: The judge endpoint reports the account's quota is exhausted." in listed.output
