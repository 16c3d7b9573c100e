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
        main,
        ["eval-learning", "--data", str(folder), "--ranker", "tfidf", "--out", str(out)],
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


def _examples(first_day: int, days: int, positives_per_day: int) -> list:
    """Judged papers over ``days`` days; the first ``positives_per_day`` of each are positives."""
    import datetime as dt

    from papersift.models import Paper
    from papersift.profile import Example

    examples = []
    for day in range(first_day, first_day + days):
        date = dt.date(2026, 3, 2) + dt.timedelta(days=day)
        for index in range(8):
            wanted = index < positives_per_day
            topic = "graph neural networks for molecules" if wanted else "medieval trade routes"
            paper = Paper(
                id=f"2603.{day:02d}{index:03d}",
                version=1,
                title=f"On {topic}, part {index}",
                authors=("A. Author",),
                abstract=f"We study {topic} with care, day {day}.",
                categories=("cs.LG",),
            )
            examples.append(Example(paper, date, 9.0 if wanted else 2.0))
    return examples


def _show(config: Path) -> tuple[list[str], dict]:
    runner = CliRunner()
    text = runner.invoke(main, ["profile", "show", "--config", str(config)])
    data = runner.invoke(main, ["profile", "show", "--json", "--config", str(config)])
    assert text.exit_code == 0 and data.exit_code == 0, text.output + data.output
    return text.output.splitlines(), json.loads(data.output)


def test_profile_show_and_fit_report_history_weight_and_quality(config: Path) -> None:
    store = FileProfileStore(config.parent / "profiles")
    store.save_examples("reader", _examples(0, 2, 0))

    fit = CliRunner().invoke(main, ["profile", "fit", "--config", str(config)])
    assert fit.exit_code == 0, fit.output
    assert "Not fitted: the history is too short" in fit.output
    assert "days 2 of min_days 3" in fit.output
    assert "positives 0 of min_positives 5" in fit.output

    lines, data = _show(config)
    assert "History: 2 judged days (2026-03-02 to 2026-03-03), 16 papers, 0 positives" in lines[1]
    assert "Blend weight of the model: 0.00." in lines
    assert data["history"]["days"] == 2 and data["history"]["papers"] == 16
    assert (data["weight"], data["fitted"], data["quality"]) == (0.0, False, None)
    assert "positives 0 of min_positives 5" in data["missing"]

    # Four more days with two positives each, and one paper liked then disliked.
    later = _examples(2, 4, 2)
    store.save_examples("reader", later)
    for kind in ("like", "dislike"):
        rated = CliRunner().invoke(main, ["rate", later[0].paper.id, kind, "--config", str(config)])
        assert rated.exit_code == 0, rated.output
    fit = CliRunner().invoke(main, ["profile", "fit", "--config", str(config)])
    assert fit.exit_code == 0, fit.output
    assert "Not fitted" not in fit.output

    lines, data = _show(config)
    assert lines[0] == "Profile 'reader': 48 examples, 1 rating."
    history = data["history"]
    # The disliked paper counts once, as a negative rating, not as a judged positive.
    assert (history["days"], history["papers"], history["positives"]) == (6, 48, 7)
    assert (history["ratings"], history["seeds"]) == (1, 0)
    assert data["fitted"] is True and data["missing"] == []
    # 6 of full_days 10 and 7 of full_positives 40: 0.9 * 7 / 40.
    assert data["weight"] == pytest.approx(0.9 * 7 / 40)
    assert f"Blend weight of the model: {data['weight']:.2f}." in lines
    quality = data["quality"]
    assert quality["held_out_days"] == 1 and quality["positives"] == 2
    assert 0.0 <= quality["recall_at_25"]["learned"] <= 1.0
    assert any(line.startswith("Measured on the last 1 day(s) (2 positives)") for line in lines)


def test_every_eval_learning_option_has_help() -> None:
    from papersift._cli_learning import eval_learning

    for option in eval_learning.params:
        assert option.help and len(option.help) > 12, option.name
