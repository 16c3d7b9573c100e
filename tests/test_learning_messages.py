"""The learning commands on bad folders, bad files, bad input and thin history: clear messages,
the right exit status, and nothing lost."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from papersift.cli import main
from papersift.config import LearningSettings
from papersift.interests import load_interests
from papersift.learning import refit
from papersift.models import Paper
from papersift.profile import Example, FileProfileStore
from papersift.rank.tfidf import TfidfRanker

AT = "2026-03-19T09:00:00+00:00"


def _config(
    tmp_path: Path, interests: Path, learning_dir: Path | None = None, extra: str = ""
) -> Path:
    path = tmp_path / "papersift.toml"
    learning = learning_dir if learning_dir is not None else tmp_path / "profiles"
    path.write_text(
        f"[profile]\nname = 'reader'\ninterests = '{interests}'\n"
        "[ranker]\nkind = 'tfidf'\n"
        f"[output]\ndir = '{tmp_path / 'out'}'\n"
        f"[store]\npath = '{tmp_path / 'papersift.sqlite3'}'\n"
        f"[learning]\ndir = '{learning}'\n" + extra
    )
    return path


def _run(config: Path, *arguments: str):
    return CliRunner().invoke(main, [*arguments, "--config", str(config)])


@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_rate_into_an_unusable_learning_dir_is_a_clear_error(
    tmp_path: Path, starter_interests: Path, where: str
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder\n")
    folder = blocker if where == "a file" else blocker / "profiles"
    config = _config(tmp_path, starter_interests, folder)
    done = _run(config, "rate", "2603.00001", "like")
    assert done.exit_code == 2, done.output
    assert done.exception is None or isinstance(done.exception, SystemExit)
    assert "Error: Cannot record the rating in" in done.output
    assert "a file is in the way where a folder is needed" in done.output
    assert "set [learning] dir to another folder" in done.output
    assert blocker.read_text() == "not a folder\n"


def test_wrong_shaped_lines_are_skipped_with_a_warning(
    tmp_path: Path, starter_interests: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = _config(tmp_path, starter_interests)
    folder = tmp_path / "profiles" / "reader"
    folder.mkdir(parents=True)
    paper = {"id": "2603.00001", "version": 1, "title": "Dust", "abstract": "Dust grows."}
    (folder / "examples.jsonl").write_text(
        json.dumps({"paper": paper, "date": "2026-03-02", "relevance": 9.0})
        + "\n"
        + json.dumps({"paper": paper, "date": "yesterday", "relevance": 9.0})
        + "\n"
        + json.dumps({"date": "2026-03-02"})
        + "\n"
        + json.dumps({"paper": paper, "date": "2026-03-03", "relevance": "high"})
        + "\n"
    )
    (folder / "ratings.jsonl").write_text(
        json.dumps({"paper_id": "2603.00001", "kind": "like", "at": AT})
        + "\n"
        + json.dumps({"kind": "like", "at": AT})
        + "\n"
        + json.dumps({"paper_id": "2603.00002", "kind": "love", "at": AT})
        + "\n"
        + json.dumps({"paper_id": "2603.00003", "kind": "save", "at": "soon"})
        + "\n"
        + "[1, 2]\n"
    )
    store = FileProfileStore(tmp_path / "profiles")
    with caplog.at_level(logging.WARNING):
        examples = store.load_examples("reader")
        ratings = store.load_ratings("reader")
    assert [(e.paper.id, e.date) for e in examples] == [("2603.00001", dt.date(2026, 3, 2))]
    assert [(r.paper_id, r.kind) for r in ratings] == [("2603.00001", "like")]
    warned = [r.getMessage() for r in caplog.records]
    for name, line in (("examples", 2), ("examples", 3), ("examples", 4)):
        assert any(f"{name}.jsonl, line {line} is not a valid record" in w for w in warned), warned
    for line in (2, 3, 4, 5):
        assert any(f"ratings.jsonl, line {line} is not a valid record" in w for w in warned), warned

    shown = _run(config, "profile", "show")
    assert shown.exit_code == 0, shown.output
    assert "Profile 'reader': 1 example, 1 rating." in shown.output
    # A new rating is added beside the old lines, which stay as they were.
    assert _run(config, "rate", "2603.00004", "dislike").exit_code == 0
    lines = (folder / "ratings.jsonl").read_text().splitlines()
    assert len(lines) == 6 and lines[4] == "[1, 2]"


def test_eval_learning_on_too_few_days_says_how_many_are_needed(
    tmp_path: Path, shared_data: Path
) -> None:
    source = shared_data / "judged" / "astro-ph"
    folder = tmp_path / "days"
    folder.mkdir()
    for path in sorted(source.glob("*.jsonl"))[:3]:
        shutil.copy(path, folder / path.name)
    shutil.copy(source / "interests.md", folder / "interests.md")
    done = CliRunner().invoke(
        main, ["eval-learning", "--data", str(folder), "--out", str(tmp_path / "report")]
    )
    assert done.exit_code == 2, done.output
    assert "holds 3 labelled day(s)" in done.output
    assert "so it needs at least 6" in done.output
    assert "Days 6-3" not in done.output
    assert not (tmp_path / "report").exists()


def _show_with_one_seed(tmp_path: Path, starter_interests: Path):  # type: ignore[no-untyped-def]
    """``profile show`` of a profile whose only history is one seeded paper."""
    config = _config(tmp_path, starter_interests)
    store = FileProfileStore(tmp_path / "profiles")
    seed = Paper("2603.00001", 1, "Dust", ("A. Author",), "Dust grows.", ("astro-ph.EP",))
    store.save_examples("reader", [Example(seed, dt.date(2026, 3, 2), None, origin="seed")])
    return _run(config, "profile", "show")


def test_profile_show_says_which_ranker_ranks_and_why_nothing_grows(
    tmp_path: Path, starter_interests: Path
) -> None:
    shown = _show_with_one_seed(tmp_path, starter_interests)
    assert shown.exit_code == 0, shown.output
    assert "No model fitted yet: ranking by the configured ranker alone." in shown.output
    assert "interests similarity alone" not in shown.output
    assert "days 1 (ratings and seeds count as one) of min_days 3" in shown.output
    assert "No judge is configured ([judge] enabled = false)" in shown.output
    assert "grows only from ratings and seeds" in shown.output
    assert "Blend weight of the model: 0.00." in shown.output

    judged = _config(tmp_path, starter_interests, extra="[judge]\nenabled = true\n")
    assert "No judge is configured" not in _run(judged, "profile", "show").output


def test_profile_show_with_learning_off_says_so(tmp_path: Path, starter_interests: Path) -> None:
    config = _config(tmp_path, starter_interests, extra="enabled = false\n")
    shown = _run(config, "profile", "show")
    assert shown.exit_code == 0, shown.output
    assert "Learning is off ([learning] enabled = false)" in shown.output
    assert "Blend weight" not in shown.output
    data = json.loads(_run(config, "profile", "show", "--json").output)
    assert data["enabled"] is False and data["weight"] == 0.0


@pytest.mark.parametrize("damage", ["bytes", "description"])
def test_profile_show_reports_a_corrupt_model(
    tmp_path: Path, starter_interests: Path, damage: str
) -> None:
    config = _config(tmp_path, starter_interests)
    folder = tmp_path / "profiles" / "reader"
    folder.mkdir(parents=True)
    (folder / "model.npz").write_bytes(b"not a NumPy archive")
    meta = {"format": "papersift.learned/2", "features": "text", "weight": 0.5}
    (folder / "model.json").write_text(json.dumps(meta) if damage == "bytes" else "{broken")
    shown = _run(config, "profile", "show")
    assert shown.exit_code == 0, shown.output
    assert "The stored model cannot be used:" in shown.output
    reason = {
        "bytes": "The stored model cannot be read",
        "description": "its description (features, format, history) is missing or unreadable",
    }[damage]
    assert reason in shown.output
    assert "papersift profile fit" in shown.output
    assert "fitted None" not in shown.output
    assert "Blend weight of the model: 0.00." in shown.output
    data = json.loads(_run(config, "profile", "show", "--json").stdout)
    assert data["model_error"] and data["weight"] == 0.0


def test_seed_with_the_api_down_gives_a_hint_that_fits(
    tmp_path: Path, starter_interests: Path
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    config = _config(
        tmp_path,
        starter_interests,
        extra=f"[sources]\napi_url = 'http://127.0.0.1:{port}/api/query'\nretries = 0\n",
    )
    ids = tmp_path / "ids.txt"
    ids.write_text("2603.00001\n")
    done = _run(config, "seed", "--ids", str(ids))
    assert done.exit_code == 1, done.output
    assert "could not be reached" in done.output
    assert "--from-file" not in done.output
    assert "Nothing was imported" in done.output and "papersift seed again" in done.output


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("9999.99999", False),
        ("2613.00001", False),
        ("1412.12345", False),
        ("0703.0001", False),
        ("hep-th/9913001", False),
        ("2501.01234", True),
        ("0704.0001", True),
        ("arXiv:1501.00001v2", True),
        ("hep-th/9901001", True),
    ],
)
def test_rate_refuses_ids_arxiv_never_issued(
    tmp_path: Path, starter_interests: Path, text: str, valid: bool
) -> None:
    done = _run(_config(tmp_path, starter_interests), "rate", text, "like")
    if valid:
        assert done.exit_code == 0, done.output
    else:
        assert done.exit_code == 2, done.output
        assert f"{text!r} is not an arXiv id" in done.output


@pytest.mark.parametrize(
    ("learning", "said"),
    [
        ('enabled = "yes"', "key 'learning.enabled' has the value 'yes' (text)"),
        ("min_days = 12", "at least min_days (12)"),
        ("min_positives = 50", "at least min_positives (50)"),
    ],
)
def test_learning_settings_are_checked(
    tmp_path: Path, starter_interests: Path, learning: str, said: str
) -> None:
    config = _config(tmp_path, starter_interests, extra=learning + "\n")
    done = _run(config, "profile", "show")
    assert done.exit_code == 2, done.output
    assert said in done.output


def test_a_refit_reports_one_fit_at_info(
    tmp_path: Path, starter_interests: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = FileProfileStore(tmp_path / "profiles")
    examples = []
    for day in range(5):
        for index in range(6):
            wanted = index < 2
            topic = "dust in protoplanetary discs" if wanted else "medieval trade routes"
            paper = Paper(
                f"2603.{day:02d}{index:03d}",
                1,
                f"On {topic} {index}",
                ("A. Author",),
                f"We study {topic}.",
                ("astro-ph.EP",),
            )
            examples.append(Example(paper, dt.date(2026, 3, 2 + day), 9.0 if wanted else 2.0))
    store.save_examples("reader", examples)
    with caplog.at_level(logging.DEBUG, logger="papersift"):
        model = refit(
            store,
            "reader",
            load_interests(starter_interests),
            TfidfRanker(),
            LearningSettings(),
            dt.date(2026, 3, 7),
        )
    assert model is not None and model.meta["quality"] is not None
    fits = [r for r in caplog.records if r.getMessage().startswith("Learned ranker fitted")]
    assert [r.levelno for r in fits] == [logging.INFO, logging.DEBUG]


def test_profile_show_says_what_the_shortfall_holds_back(
    tmp_path: Path, starter_interests: Path
) -> None:
    shown = _show_with_one_seed(tmp_path, starter_interests)
    assert shown.exit_code == 0, shown.output
    assert (
        "Too little history for the model to count yet ([learning] minimums): days 1 "
        in shown.output
    )
    assert "Still missing:" not in shown.output
