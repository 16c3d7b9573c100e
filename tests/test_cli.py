"""The ``papersift`` command: help for every command, init, log levels, errors as messages."""

from __future__ import annotations

import logging
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from papersift.cli import main
from papersift.config import load_settings
from papersift.interests import load_interests


def test_help_lists_every_command_with_one_line() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    listed = result.stdout.split("Commands:", 1)[1].splitlines()
    listed = [line.split(None, 1) for line in listed if line.strip()]
    names = {name for name, *_ in listed}
    assert names == set(main.commands)
    for name, *text in listed:
        assert text and len(text[0]) > 10, f"{name} has no help line"


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_has_help(name: str) -> None:
    command = main.commands[name]
    assert command.help and command.help.strip(), f"{name} has no docstring"
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.stdout


@pytest.mark.parametrize("name", ["run", "init"])
def test_every_option_of_the_daily_commands_has_help(name: str) -> None:
    for parameter in main.commands[name].params:
        if isinstance(parameter, click.Option) and not parameter.hidden:
            assert parameter.help, f"{name} {parameter.opts} has no help"


def test_init_writes_starter_files_that_load(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", "--dir", str(tmp_path / "new")])
    assert result.exit_code == 0, result.output
    config, interests = tmp_path / "new/papersift.toml", tmp_path / "new/interests.md"
    assert config.read_text().startswith("#")
    settings = load_settings(config, env={})
    assert settings.profile.interests == interests
    parsed = load_interests(settings.profile.interests)
    assert len(parsed.topics) >= 2 and all(topic.relevant for topic in parsed.topics)


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "interests.md").write_text("mine")
    result = CliRunner().invoke(main, ["init", "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "Not overwriting" in result.stderr and "interests.md" in result.stderr
    assert (tmp_path / "interests.md").read_text() == "mine"
    assert not (tmp_path / "papersift.toml").exists()


@pytest.mark.parametrize(("flags", "level"), [([], 20), (["-v"], 10), (["-q"], 30), (["-qq"], 40)])
def test_verbosity_flags_move_the_log_level(tmp_path: Path, flags: list[str], level: int) -> None:
    result = CliRunner().invoke(main, [*flags, "init", "--dir", str(tmp_path)])
    assert result.exit_code == 0
    assert logging.getLogger("papersift").level == level


def test_bad_date_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", "--date", "26/05/2026", "--from-file", "x"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Error: --date '26/05/2026' is not a date.",
        "Write it as YYYY-MM-DD.",
    ]


def test_missing_feed_file_is_a_message(tmp_path: Path, starter_interests: Path) -> None:
    config = tmp_path / "papersift.toml"
    config.write_text(f'[profile]\ninterests = "{starter_interests}"\n')
    result = CliRunner().invoke(
        main, ["run", "--config", str(config), "--from-file", str(tmp_path / "none.xml")]
    )
    assert result.exit_code == 2
    assert "No feed file found" in result.stderr and "Traceback" not in result.output
