"""``papersift eval`` end to end on a few shared labelled days, with the quick TF-IDF ranker."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from papersift.cli import main

SRC = Path(__file__).resolve().parents[2] / "src"
DAYS = ("2026-02-11", "2026-02-12", "2026-02-13", "2026-02-16")


@pytest.fixture
def judged(shared_data: Path, tmp_path: Path) -> Path:
    """Four shared astro-ph days in a folder of their own."""
    source = shared_data / "judged" / "astro-ph"
    folder = tmp_path / "judged"
    folder.mkdir()
    for day in DAYS:
        shutil.copy(source / f"{day}.jsonl", folder)
    shutil.copy(source / "manifest.json", folder)
    return folder


@pytest.fixture
def interests(shared_data: Path) -> Path:
    return shared_data / "judged" / "astro-ph" / "interests.md"


def test_eval_writes_report_plot_and_json(judged: Path, interests: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    args = ["eval", "--judged", str(judged), "--interests", str(interests), "--rankers", "tfidf"]
    args += ["--cascade-of", "tfidf", "--tune-days", "2", "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "tfidf: recall@25% all" in result.output

    markdown = (out / "evaluation.md").read_text()
    assert "## tuning (2 days, 2026-02-11 to 2026-02-12)" in markdown
    assert "## held-out (2 days, 2026-02-13 to 2026-02-16)" in markdown
    assert "| tfidf |" in markdown and "## Cascade" in markdown
    for day in DAYS:
        assert f"| {day} |" in markdown

    png = (out / "recall.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000

    report = json.loads((out / "evaluation.json").read_text())
    assert report["dates"] == list(DAYS)
    names = [ranker["name"] for ranker in report["rankers"]]
    assert names[0] == "tfidf" and names[1].startswith("cascade(tfidf, ")
    tfidf, cascade = report["rankers"]
    day = tfidf["days"][0]
    assert (day["papers"], day["positives"]) == (75, 3)
    assert 0.0 <= day["recall"]["0.25"] <= 1.0
    assert (
        tfidf["summary"]["all"]["recall@0.5"]["mean"]
        >= tfidf["summary"]["all"]["recall@0.1"]["mean"]
    )
    # The replayed judge ranks what it reads by the recorded relevance, so the cascade's AP
    # beats its ranker's, and judging a share of the day costs less than judging all of it.
    assert cascade["summary"]["all"]["ap"]["mean"] > tfidf["summary"]["all"]["ap"]["mean"]
    share = tfidf["cascade"]["share"]
    assert share is not None and 0 < share <= 1
    spent = tfidf["cascade"]["all"]
    assert spent["tokens"] <= spent["full_tokens"]
    usage = report["recorded_usage"]
    assert usage["days"] == 4 and usage["recorded_tokens"] > 0
    # The estimate of judging every paper is within a factor of two of the recorded tokens.
    assert 0.5 < usage["estimated_full_tokens"] / usage["recorded_tokens"] < 2.0


def test_eval_json_through_the_module(judged: Path, interests: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    command = [sys.executable, "-m", "papersift", "-q", "eval", "--judged", str(judged)]
    command += ["--interests", str(interests), "--rankers", "tfidf", "--json"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [ranker["name"] for ranker in report["rankers"]] == ["tfidf"]
    assert len(report["rankers"][0]["days"]) == len(DAYS)


def test_eval_rejects_an_unknown_ranker(judged: Path, interests: Path) -> None:
    args = ["eval", "--judged", str(judged), "--interests", str(interests), "--rankers", "magic"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "Unknown ranker 'magic'" in result.output


def test_eval_on_a_folder_without_days(tmp_path: Path, interests: Path) -> None:
    args = ["eval", "--judged", str(tmp_path), "--interests", str(interests), "--rankers", "tfidf"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "No labelled day" in result.output


def test_eval_without_held_out_days_says_so(judged: Path, interests: Path, tmp_path: Path) -> None:
    """Three days under the default 20 tuning days: no held-out figure is made up."""
    (judged / "2026-02-16.jsonl").unlink()
    out = tmp_path / "report"
    args = ["eval", "--judged", str(judged), "--interests", str(interests), "--rankers", "tfidf"]
    args += ["--cascade-of", "tfidf", "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Warning: no held-out days: all 3 labelled days are tuning days" in result.output
    assert "AP held-out: no held-out days" in result.output
    assert "held-out: no held-out days" in result.output.split("cascade share", 1)[1]
    assert "nan" not in result.output and "keeps" not in result.output

    markdown = (out / "evaluation.md").read_text()
    assert "no held-out days" in markdown and "## held-out" not in markdown
    row = next(
        line for line in markdown.splitlines() if line.startswith("| tfidf | ") and "%" in line
    )
    assert row.count("no held-out days") == 5

    report = json.loads((out / "evaluation.json").read_text())
    assert report["held_out_days"] == 0 and len(report["warnings"]) == 1
    tfidf = report["rankers"][0]
    assert all(value["mean"] is None for value in tfidf["summary"]["held-out"].values())
    held = tfidf["cascade"]["held-out"]
    assert held["kept"]["mean"] is None and held["kept_pooled"] is None
    assert held["tokens"] is None and held["full_tokens"] is None
    assert tfidf["cascade"]["tuning"]["tokens"] > 0

    as_json = CliRunner().invoke(main, [*args[:-2], "--json"])
    assert as_json.exit_code == 0
    assert "no held-out days" in as_json.stderr
    assert json.loads(as_json.stdout)["held_out_days"] == 0
