"""The learning commands through the CLI: rate, profile show and fit, seed, eval-learning."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from _fake_arxiv import fake_arxiv_api
from papersift.cli import main
from papersift.profile import FileProfileStore

SEEDS = Path(__file__).parent / "fixtures" / "seed"


@pytest.fixture
def config(tmp_path: Path, starter_interests: Path) -> Path:
    path = tmp_path / "papersift.toml"
    path.write_text(
        f"[profile]\nname = 'reader'\ninterests = '{starter_interests}'\n"
        "[ranker]\nkind = 'tfidf'\n"
        f"[output]\ndir = '{tmp_path / 'out'}'\n"
        f"[learning]\ndir = '{tmp_path / 'profiles'}'\n"
    )
    return path


def test_rate_records_and_rejects_bad_input(config: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(
        main, ["rate", "2605.23909", "like", "--note", "key", "--config", str(config)]
    )
    assert done.exit_code == 0, done.output
    assert "Rated 2605.23909 like" in done.output
    ratings = FileProfileStore(config.parent / "profiles").load_ratings("reader")
    assert [(r.paper_id, r.kind, r.note) for r in ratings] == [("2605.23909", "like", "key")]

    bad = runner.invoke(main, ["rate", "2605.23909", "love", "--config", str(config)])
    assert bad.exit_code == 2 and "Unknown rating 'love'" in bad.output
    bad_id = runner.invoke(main, ["rate", "nonsense", "like", "--config", str(config)])
    assert bad_id.exit_code == 2 and "not an arXiv id" in bad_id.output


def test_seed_then_profile_fit_and_show(config: Path, demo_day: Path, monkeypatch) -> None:
    with fake_arxiv_api(demo_day / "api-query.atom.xml") as (url, _seen):
        text = config.read_text() + f"[sources]\napi_url = '{url}'\n"
        config.write_text(text)
        # The real 3-second spacing applies; two requests keep the wait short.
        done = CliRunner().invoke(
            main, ["seed", "--ids", str(SEEDS / "ids.txt"), "--config", str(config)]
        )
    assert done.exit_code == 0, done.output
    assert "Seeded 3 paper(s); 1 not matched; 1 malformed entry." in done.output
    assert "2605.99999 not found" in done.output

    shown = CliRunner().invoke(main, ["profile", "show", "--config", str(config)])
    assert "Profile 'reader': 3 examples, 0 ratings." in shown.output
    assert "No model fitted yet" in shown.output


def test_seed_needs_exactly_one_file(config: Path) -> None:
    done = CliRunner().invoke(main, ["seed", "--config", str(config)])
    assert done.exit_code == 2 and "exactly one of" in done.output


def test_eval_learning_on_a_few_real_days(tmp_path: Path, shared_data: Path) -> None:
    source = shared_data / "judged" / "astro-ph"
    folder = tmp_path / "days"
    folder.mkdir()
    for path in sorted(source.glob("*.jsonl"))[:7]:
        shutil.copy(path, folder / path.name)
    shutil.copy(source / "interests.md", folder / "interests.md")
    shutil.copy(source / "manifest.json", folder / "manifest.json")
    out = tmp_path / "report"
    done = CliRunner().invoke(
        main, ["eval-learning", "--data", str(folder), "--features", "hashed", "--out", str(out)]
    )
    assert done.exit_code == 0, done.output
    assert "Replay of 2 days" in done.output
    report = json.loads((out / "learning.json").read_text())
    assert [d["history_days"] for d in report["days"]] == [5, 6]
    assert all(d["recorded_tokens"] > d["cascade_tokens"] > 0 for d in report["days"])
    assert (out / "learning-recall.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_a_learning_dir_ratings_go_to_the_database(
    tmp_path: Path, starter_interests: Path
) -> None:
    from papersift.store import Store
    from papersift.store.profiles import SqliteProfileStore

    config = tmp_path / "papersift.toml"
    database = tmp_path / "papersift.sqlite3"
    config.write_text(
        f"[profile]\nname = 'reader'\ninterests = '{starter_interests}'\n"
        f"[output]\ndir = '{tmp_path / 'out'}'\n[store]\npath = '{database}'\n"
    )
    done = CliRunner().invoke(main, ["rate", "2605.23909", "dislike", "--config", str(config)])
    assert done.exit_code == 0, done.output
    with Store.open(database) as store:
        ratings = SqliteProfileStore(store).load_ratings("reader")
    assert [(r.paper_id, r.kind) for r in ratings] == [("2605.23909", "dislike")]
