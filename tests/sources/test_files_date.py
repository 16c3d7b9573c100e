"""``run --from-file DIR --date D``: a folder of another day's feeds is refused, not relabelled."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from papersift.cli import main


def _config(tmp_path: Path, interests: Path) -> Path:
    path = tmp_path / "papersift.toml"
    path.write_text(
        f'[profile]\ninterests = "{interests}"\n[ranker]\nkind = "tfidf"\ntop = 5\n'
        '[output]\ndir = "out"\n'
    )
    return path


def _run(tmp_path: Path, interests: Path, *args: str):
    config = _config(tmp_path, interests)
    db = tmp_path / "papersift.sqlite3"
    return CliRunner().invoke(main, ["--db", str(db), "run", "--config", str(config), *args])


def test_a_folder_of_another_day_is_refused(
    tmp_path: Path, demo_day: Path, starter_interests: Path
) -> None:
    result = _run(tmp_path, starter_interests, "--from-file", str(demo_day), "--date", "2026-05-27")
    assert result.exit_code == 1, result.output
    assert "holds the listing of 2026-05-26, but 2026-05-27 was asked for" in result.stderr
    assert "rss-" in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_folder_with_its_own_date_runs(
    tmp_path: Path, demo_day: Path, starter_interests: Path
) -> None:
    result = _run(tmp_path, starter_interests, "--from-file", str(demo_day), "--date", "2026-05-26")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "2026-05" / "2026-05-26.md").is_file()
    assert not (tmp_path / "out" / "2026-05" / "2026-05-27.md").exists()
